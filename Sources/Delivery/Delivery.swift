// The Delivery layer; see README "Architecture".
