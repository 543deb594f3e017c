// The Reports layer; see README "Architecture".
