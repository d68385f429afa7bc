// The workloads of benches/README.md in Go, the peer with goroutines and true rendezvous
// channels: `workloads-go <workload> <n>` runs one and prints its figures on one line, in the same
// units as the Rust binary's, which builds and runs this one as its `go` column.
package main

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tally is what a receiving goroutine got: a run is valid only if it matches the values sent.
type tally struct{ count, sum uint64 }

func (t *tally) add(v uint64) { t.count++; t.sum += v }

func rangeTally(n uint64) tally { return tally{n, n * (n - 1) / 2} }

func pipelineTally(n uint64) tally {
	var t tally
	for i := uint64(0); i < n; i++ {
		if v := 2 * i; v%3 == 0 {
			t.add(v)
		}
	}
	return t
}

const (
	spscBuffer      = 1024
	faninProducers  = 1000
	faninBuffer     = 64
	pipelineBuffer  = 64
	selectChannels  = 4
	selectWide      = 64
	timerSpreadMs   = 100
	timerStrideMult = 7919
)

// pingpong: A puts i on a and gets it back from b, where B echoes what it gets from a.
func pingpong(n uint64) tally {
	a, b := make(chan uint64), make(chan uint64)
	go func() {
		for v := range a {
			b <- v
		}
	}()
	var t tally
	for i := uint64(0); i < n; i++ {
		a <- i
		t.add(<-b)
	}
	close(a)
	return t
}

// spsc: one producer puts 0..n on a channel with `buffer` slots and closes it.
func spsc(n uint64, buffer int) tally {
	c := make(chan uint64, buffer)
	go func() {
		for i := uint64(0); i < n; i++ {
			c <- i
		}
		close(c)
	}()
	var t tally
	for v := range c {
		t.add(v)
	}
	return t
}

// fanin: producer p puts p, p+producers, ... on one buffered channel; it closes after the last.
func fanin(producers uint64) func(uint64) tally {
	return func(n uint64) tally { return faninOf(n, producers) }
}

func faninOf(n, producers uint64) tally {
	c := make(chan uint64, faninBuffer)
	var wg sync.WaitGroup
	for p := uint64(0); p < producers; p++ {
		wg.Add(1)
		go func(p uint64) {
			defer wg.Done()
			for i := p; i < n; i += producers {
				c <- i
			}
		}(p)
	}
	go func() { wg.Wait(); close(c) }()
	var t tally
	for v := range c {
		t.add(v)
	}
	return t
}

// select4: four producers on their own unbuffered channels; one consumer selects over the open
// ones (Go's select picks uniformly among the ready cases) and sets a closed one to nil.
func select4(n uint64) tally {
	var chans [selectChannels]chan uint64
	for p := range chans {
		chans[p] = make(chan uint64)
		go func(p uint64, c chan uint64) {
			for i := p; i < n; i += selectChannels {
				c <- i
			}
			close(c)
		}(uint64(p), chans[p])
	}
	c0, c1, c2, c3 := chans[0], chans[1], chans[2], chans[3]
	var t tally
	for c0 != nil || c1 != nil || c2 != nil || c3 != nil {
		select {
		case v, ok := <-c0:
			if ok {
				t.add(v)
			} else {
				c0 = nil
			}
		case v, ok := <-c1:
			if ok {
				t.add(v)
			} else {
				c1 = nil
			}
		case v, ok := <-c2:
			if ok {
				t.add(v)
			} else {
				c2 = nil
			}
		case v, ok := <-c3:
			if ok {
				t.add(v)
			} else {
				c3 = nil
			}
		}
	}
	return t
}

// selectWideOf: `channels` producers on their own unbuffered channels; one consumer selects over
// the open ones with reflect.Select (Go's select over cases known only at run time, which picks
// uniformly among the ready ones) and drops a closed one from its cases.
func selectWideOf(n uint64) tally {
	cases := make([]reflect.SelectCase, selectWide)
	for p := range cases {
		c := make(chan uint64)
		cases[p] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c)}
		go func(p uint64, c chan uint64) {
			for i := p; i < n; i += selectWide {
				c <- i
			}
			close(c)
		}(uint64(p), c)
	}
	var t tally
	for len(cases) > 0 {
		i, v, ok := reflect.Select(cases)
		if ok {
			t.add(v.Uint())
		} else {
			cases[i] = cases[len(cases)-1]
			cases = cases[:len(cases)-1]
		}
	}
	return t
}

// pipeline: source 0..n -> double -> keep multiples of 3 -> consumer, every link buffered.
func pipeline(n uint64) tally {
	source := make(chan uint64, pipelineBuffer)
	doubled := make(chan uint64, pipelineBuffer)
	kept := make(chan uint64, pipelineBuffer)
	go func() {
		for i := uint64(0); i < n; i++ {
			source <- i
		}
		close(source)
	}()
	go func() {
		for v := range source {
			doubled <- 2 * v
		}
		close(doubled)
	}()
	go func() {
		for v := range doubled {
			if v%3 == 0 {
				kept <- v
			}
		}
		close(kept)
	}()
	var t tally
	for v := range kept {
		t.add(v)
	}
	return t
}

// statusBytes reads a `VmRSS`/`VmHWM` line of /proc/self/status, in bytes.
func statusBytes(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		fail("read /proc/self/status: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := s.Text(); strings.HasPrefix(line, field+":") {
			rest := strings.TrimSpace(strings.TrimPrefix(line, field+":"))
			kb, err := strconv.ParseUint(strings.TrimSuffix(rest, " kB"), 10, 64)
			if err != nil {
				fail("parse %s: %v", field, err)
			}
			return kb * 1024
		}
	}
	fail("no %s in /proc/self/status", field)
	return 0
}

// spawn: n goroutines each store their index in their own slot (the goroutine's "handle"); the
// sum is taken once all are done.
func spawn(n uint64) (time.Duration, uint64) {
	rssBefore := statusBytes("VmRSS")
	start := time.Now()
	results := make([]uint64, n)
	var wg sync.WaitGroup
	wg.Add(int(n))
	for i := uint64(0); i < n; i++ {
		go func(i uint64) {
			results[i] = i
			wg.Done()
		}(i)
	}
	wg.Wait()
	var sum uint64
	for _, r := range results {
		sum += r
	}
	elapsed := time.Since(start)
	if sum != n*(n-1)/2 {
		fail("spawn: the indices do not sum to that of 0..n")
	}
	return elapsed, peakSince(rssBefore)
}

// idle: n goroutines each receive one value from an unbuffered channel of their own and store it
// in their slot; once all have counted themselves in (just before receiving), main sends i on
// channel i in order and waits for them all.
func idle(n uint64) (time.Duration, uint64, tally) {
	rssBefore := statusBytes("VmRSS")
	start := time.Now()
	chans := make([]chan uint64, n)
	results := make([]uint64, n)
	var parked atomic.Uint64
	var wg sync.WaitGroup
	wg.Add(int(n))
	for i := range chans {
		chans[i] = make(chan uint64)
		go func(i int) {
			parked.Add(1)
			results[i] = <-chans[i]
			wg.Done()
		}(i)
	}
	for parked.Load() < n {
		runtime.Gosched()
	}
	for i, c := range chans {
		c <- uint64(i)
	}
	wg.Wait()
	var t tally
	for _, r := range results {
		t.add(r)
	}
	elapsed := time.Since(start)
	return elapsed, peakSince(rssBefore), t
}

// peakSince is the growth of the resident high-water mark over rssBefore.
func peakSince(rssBefore uint64) uint64 {
	peak := statusBytes("VmHWM")
	if peak < rssBefore {
		peak = rssBefore
	}
	return peak - rssBefore
}

// timers: goroutine i sleeps 1 + (i * 7919) % 100 ms; all are awaited.
func timers(n uint64) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(int(n))
	for i := uint64(0); i < n; i++ {
		go func(i uint64) {
			time.Sleep(time.Duration(1+(i*timerStrideMult)%timerSpreadMs) * time.Millisecond)
			wg.Done()
		}(i)
	}
	wg.Wait()
	return time.Since(start)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "workloads-go: "+format+"\n", args...)
	os.Exit(1)
}

// perTask prints ns per task and peak bytes per task.
func perTask(n uint64, elapsed time.Duration, peak uint64) {
	fmt.Printf("%.1f %.1f\n", float64(elapsed.Nanoseconds())/float64(n), float64(peak)/float64(n))
}

// channel runs a channel workload, checks what the receiver got, and prints ns per operation.
func channel(name string, n uint64, want tally, run func(uint64) tally) {
	start := time.Now()
	got := run(n)
	elapsed := time.Since(start)
	if got != want {
		fail("%s: the values got are not the values sent, each once (%v, want %v)", name, got, want)
	}
	fmt.Printf("%.1f\n", float64(elapsed.Nanoseconds())/float64(n))
}

func main() {
	runtime.GOMAXPROCS(1)
	if len(os.Args) != 3 {
		fail("usage: workloads-go <workload> <n>")
	}
	name := os.Args[1]
	n, err := strconv.ParseUint(os.Args[2], 10, 64)
	if err != nil || n == 0 {
		fail("<n> must be a positive integer")
	}
	switch name {
	case "pingpong":
		channel(name, n, rangeTally(n), pingpong)
	case "spsc_unbuffered":
		channel(name, n, rangeTally(n), func(n uint64) tally { return spsc(n, 0) })
	case "spsc_buffered":
		channel(name, n, rangeTally(n), func(n uint64) tally { return spsc(n, spscBuffer) })
	case "fanin":
		channel(name, n, rangeTally(n), fanin(faninProducers))
	case "fanin_p10":
		channel(name, n, rangeTally(n), fanin(10))
	case "fanin_p1000":
		channel(name, n, rangeTally(n), fanin(1000))
	case "fanin_p100000":
		channel(name, n, rangeTally(n), fanin(100000))
	case "select_wide":
		channel(name, n, rangeTally(n), selectWideOf)
	case "select4":
		channel(name, n, rangeTally(n), select4)
	case "pipeline":
		channel(name, n, pipelineTally(n), pipeline)
	case "spawn":
		elapsed, peak := spawn(n)
		perTask(n, elapsed, peak)
	case "idle":
		elapsed, peak, got := idle(n)
		if got != rangeTally(n) {
			fail("idle: the goroutines did not get 0..n, each once (%v)", got)
		}
		perTask(n, elapsed, peak)
	case "timers":
		elapsed := timers(n)
		fmt.Printf("%.1f\n", elapsed.Seconds()*1e3-timerSpreadMs)
	default:
		fail("unknown workload %s", name)
	}
}
