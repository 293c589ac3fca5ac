package nodeipam

import (
	"errors"
	"fmt"
	"net/netip"
)

// errFull means every block of the cluster CIDR is in use.
var errFull = errors.New("cluster CIDR is full")

// maxBlocks bounds the set so a typo like a /8 carved into /30s cannot
// make the allocator scan millions of blocks.
const maxBlocks = 1 << 20

// allocator hands out equal-size blocks of one IPv4 cluster CIDR. It does
// no I/O and is not safe for concurrent use; the controller locks it.
type allocator struct {
	cluster   netip.Prefix
	blockBits int
	blocks    int
	used      map[int]bool
	// next is where the search for a free block starts: after the last
	// one handed out, so a block just released is not reused at once
	// while the deleted node's pods may still hold its addresses.
	next int
}

func newAllocator(clusterCIDR string, maskSize int) (*allocator, error) {
	cluster, err := netip.ParsePrefix(clusterCIDR)
	if err != nil {
		return nil, fmt.Errorf("cluster CIDR %q: %w", clusterCIDR, err)
	}
	if !cluster.Addr().Is4() {
		return nil, fmt.Errorf("cluster CIDR %s: only IPv4 is supported", cluster)
	}
	if maskSize < cluster.Bits() || maskSize > 30 {
		return nil, fmt.Errorf("node CIDR mask size %d must be between the cluster CIDR's /%d and /30", maskSize, cluster.Bits())
	}
	blocks := 1 << (maskSize - cluster.Bits())
	if maskSize-cluster.Bits() > 20 || blocks > maxBlocks {
		return nil, fmt.Errorf("cluster CIDR %s split into /%d blocks makes more than %d of them", cluster, maskSize, maxBlocks)
	}
	return &allocator{cluster: cluster.Masked(), blockBits: maskSize, blocks: blocks, used: map[int]bool{}}, nil
}

// allocate takes the next free block.
func (a *allocator) allocate() (netip.Prefix, error) {
	for i := 0; i < a.blocks; i++ {
		idx := (a.next + i) % a.blocks
		if !a.used[idx] {
			a.used[idx] = true
			a.next = (idx + 1) % a.blocks
			return a.block(idx), nil
		}
	}
	return netip.Prefix{}, errFull
}

// occupy marks a block some node already holds as used.
func (a *allocator) occupy(p netip.Prefix) error {
	idx, err := a.index(p)
	if err != nil {
		return err
	}
	a.used[idx] = true
	return nil
}

// release frees a block; releasing a free or foreign block does nothing.
func (a *allocator) release(p netip.Prefix) {
	if idx, err := a.index(p); err == nil {
		delete(a.used, idx)
	}
}

func (a *allocator) block(idx int) netip.Prefix {
	base := a.cluster.Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n += uint32(idx) << (32 - a.blockBits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), a.blockBits)
}

// index is p's block number, if p is exactly one block of the cluster CIDR.
func (a *allocator) index(p netip.Prefix) (int, error) {
	if !p.Addr().Is4() || p.Bits() != a.blockBits || p.Masked() != p || !a.cluster.Contains(p.Addr()) {
		return 0, fmt.Errorf("%s is not a /%d block of cluster CIDR %s", p, a.blockBits, a.cluster)
	}
	off := p.Addr().As4()
	base := a.cluster.Addr().As4()
	diff := (uint32(off[0])<<24 | uint32(off[1])<<16 | uint32(off[2])<<8 | uint32(off[3])) -
		(uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3]))
	return int(diff >> (32 - a.blockBits)), nil
}
