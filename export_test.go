package livedict

// ChunkOps is chunkOps, for the tests of package livedict_test.
const ChunkOps = chunkOps
