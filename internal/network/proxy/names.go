package proxy

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
)

// Chain and set names carry a hash so they are unique and stable whatever
// the readable part looks like, and the readable part so `nft list` can be
// read by a human. Kubernetes names only use [a-z0-9.-], which nft accepts
// in identifiers along with '/' and '_'.

// portKey identifies one service port: namespace/name/protocol/port, where
// port is the port's name or, for a single unnamed port, its number.
func portKey(namespace, name, proto, portName string, port int32) string {
	if portName == "" {
		portName = strconv.Itoa(int(port))
	}
	return namespace + "/" + name + "/" + strings.ToLower(proto) + "/" + portName
}

// hashLen is the length of hashName's result.
const hashLen = 8

func hashName(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return strings.ToLower(base32.StdEncoding.EncodeToString(h[:5]))
}

// serviceChain picks among the endpoints for ClusterIP traffic.
func serviceChain(key string) string { return "svc-" + hashName("svc", key) + "-" + key }

// externalChain handles NodePort, external IP and load-balancer traffic.
func externalChain(key string) string { return "ext-" + hashName("ext", key) + "-" + key }

// endpointMapName names the endpoint map of a chain picking endpoints:
// the chain name's kind and hash ("svc-<hash>"). The kernel finds a set by
// walking the table's sets comparing names, once per rule and element
// message naming it, so with a map per service short names save nft 10 ms
// of CPU on a table of 1,000 services.
func endpointMapName(chain string) string {
	return chain[:strings.IndexByte(chain, '-')+1+hashLen]
}

// endpointChain DNATs to one endpoint of one service port.
func endpointChain(key, addr string) string {
	return "ep-" + hashName("ep", key, addr) + "-" + key + "__" + strings.Replace(addr, ":", "/", 1)
}

// affinitySet remembers the clients of one endpoint. The timeout is part of
// the name because a set's timeout cannot change in place: a new timeout
// makes a new set and the old one is deleted with the rules using it.
func affinitySet(key, addr string, timeout int32) string {
	return "aff-" + hashName("aff", key, addr, strconv.Itoa(int(timeout)))
}
