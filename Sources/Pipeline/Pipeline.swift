// The Pipeline layer; see README "Architecture".
