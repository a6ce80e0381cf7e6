module github.com/stackmap/stackmap

go 1.26.8

require (
	github.com/itchyny/gojq v0.12.20
	github.com/klauspost/compress v1.20.4
	github.com/robfig/cron/v3 v3.0.1
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/oauth2 v0.38.0
)

require github.com/itchyny/timefmt-go v0.1.9 // indirect
