// The HL7 layer; see README "Architecture".
