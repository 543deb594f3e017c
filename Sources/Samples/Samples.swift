// The Samples layer; see README "Architecture".
