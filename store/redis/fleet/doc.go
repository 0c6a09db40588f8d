// Package fleet shares one bucket among many instances of a service:
// Redis (standalone, Sentinel or Cluster) holds the truth, and each
// instance keeps a coherent, typed near cache of it.
package fleet
