//! Links between findings of different workloads: a root and the
//! consequences its evidence explains.
