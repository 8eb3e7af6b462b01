module github.com/gotornado/tornado/bench

go 1.26.8

replace github.com/gotornado/tornado => ../

require (
	github.com/gotornado/tornado v0.0.0-00010101000000-000000000000
	github.com/lesismal/nbio v1.6.8
	github.com/valyala/fasthttp v1.78.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/lesismal/llib v1.2.2 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
)
