// A tiny static test image for the local node (tools/node/smoke.sh): `hello serve` answers HTTP on :8080;
// `hello probe URL...` fetches each URL every 5 s and logs one line per result. For an https URL it presents the
// pod's ServiceAccount token and trusts the ServiceAccount CA, as an in-cluster client does.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "probe" {
		probe(os.Args[2:])
		return
	}
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "hello from %s\n", host) })
	fmt.Println("serving on :8080")
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}

func probe(targets []string) {
	pool := x509.NewCertPool()
	if ca, err := os.ReadFile(saDir + "/ca.crt"); err == nil {
		pool.AppendCertsFromPEM(ca)
	}
	client := &http.Client{Timeout: 4 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for {
		for _, target := range targets {
			target = os.ExpandEnv(target)
			u, err := url.Parse(target)
			if err != nil {
				fmt.Println("FAIL", target, err)
				continue
			}
			addrs, _ := net.LookupHost(u.Hostname())
			req, _ := http.NewRequest("GET", target, nil)
			if u.Scheme == "https" {
				if token, err := os.ReadFile(saDir + "/token"); err == nil {
					req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
				}
			}
			res, err := client.Do(req)
			if err != nil {
				fmt.Println("FAIL", target, addrs, err)
				continue
			}
			body, _ := io.ReadAll(io.LimitReader(res.Body, 300))
			res.Body.Close()
			fmt.Println("OK", target, addrs, res.StatusCode, strings.Join(strings.Fields(string(body)), " "))
		}
		time.Sleep(5 * time.Second)
	}
}
