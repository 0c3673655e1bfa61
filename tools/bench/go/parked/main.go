// Baseline for tools/bench/million: the RSS of N goroutines parked on a
// channel receive (Go 1.19: a 2 KiB starting stack plus the g struct).
// Prints BENCH:go:parked_rss_per_goroutine_kib:<KiB>:<ms to spawn and park>.
//
//   go run main.go [N]          (default 1000000)
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

func rssKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	runtime.GC()
	rss0 := rssKiB()
	start := time.Now()
	ch := make(chan struct{})
	var parked, done sync.WaitGroup
	parked.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			parked.Done()
			<-ch
			done.Done()
		}()
	}
	parked.Wait()
	time.Sleep(200 * time.Millisecond) // the last ones reach the receive
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	rss1 := rssKiB()
	fmt.Printf("parked: %d goroutines in %.0f ms; RSS %d MiB before, %d MiB parked\n", n, ms, rss0/1024, rss1/1024)
	fmt.Printf("BENCH:go:parked_rss_per_goroutine_kib:%.2f:%.0f\n", float64(rss1-rss0)/float64(n), ms)
	close(ch)
	done.Wait()
}
