// Baseline for bench_scheduler: spawn+complete of N empty goroutines, and a
// yield ping-pong (runtime.Gosched) between two goroutines on one P.
// Prints BENCH:go:<case>:<result>:<ms>, medians of 5 runs after a warm-up.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"
)

func median(runs int, f func() float64) float64 {
	f()
	v := make([]float64, runs)
	for i := range v {
		v[i] = f()
	}
	sort.Float64s(v)
	return v[runs/2]
}

func spawn(n int) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / 1e6
}

func yieldPingPong(n int) float64 {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var wg sync.WaitGroup
	wg.Add(2)
	start := time.Now()
	for g := 0; g < 2; g++ {
		go func() {
			for i := 0; i < n; i++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / 1e6
}

func main() {
	n := 100000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	ms := median(5, func() float64 { return spawn(n) })
	fmt.Printf("BENCH:go:spawn_complete:%d:%.3f\n", n, ms)
	y := median(5, func() float64 { return yieldPingPong(n) })
	fmt.Printf("BENCH:go:yield_roundtrip_ns:%.1f:%.3f\n", y*1e6/float64(n), y)
}
