// The DICOM layer; see README "Architecture".
