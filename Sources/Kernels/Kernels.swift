// Vectorized numeric kernels; see README "Architecture".
