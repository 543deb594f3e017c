// The Kernels layer; see README "Architecture".
