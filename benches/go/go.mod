module aiochan-benches/go

go 1.19
