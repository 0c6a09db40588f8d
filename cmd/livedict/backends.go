package main

// Every backend module registers its URL scheme with store.Open.
import (
	_ "github.com/livedict/livedict/store/badger"
	_ "github.com/livedict/livedict/store/fs"
	_ "github.com/livedict/livedict/store/postgres"
	_ "github.com/livedict/livedict/store/redis"
	_ "github.com/livedict/livedict/store/sqlite"
)
