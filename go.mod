module github.com/livedict/livedict

go 1.25
