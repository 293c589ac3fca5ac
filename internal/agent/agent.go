package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/agent/cgroups"
	"github.com/bosun-dev/bosun/internal/agent/containerconfig"
	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/agent/cri"
	"github.com/bosun-dev/bosun/internal/agent/eviction"
	"github.com/bosun-dev/bosun/internal/agent/images"
	"github.com/bosun-dev/bosun/internal/agent/node"
	"github.com/bosun-dev/bosun/internal/agent/pods"
	"github.com/bosun-dev/bosun/internal/agent/probe"
	"github.com/bosun-dev/bosun/internal/agent/staticpods"
	"github.com/bosun-dev/bosun/internal/agent/streaming"
	"github.com/bosun-dev/bosun/internal/agent/volumes"
	"github.com/bosun-dev/bosun/internal/network/cni"
	"github.com/bosun-dev/bosun/internal/network/proxy"
	"github.com/bosun-dev/bosun/internal/network/routes"
)

// Run runs the agent until ctx ends. On the way out it stops the containerd
// it started but leaves pods running: the next Run adopts them.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.setDefaults(); err != nil {
		return err
	}
	log := slog.Default().With("component", "agent", "node", cfg.NodeName)
	start := time.Now()
	for _, d := range []string{cfg.DataDir, cfg.PodManifestPath} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}

	endpoint := cfg.RuntimeEndpoint
	cniConfDir := filepath.Join(cfg.DataDir, "cni", "net.d")
	if endpoint == "" {
		log.Info("Starting containerd")
		proc, err := containerd.Start(ctx, containerd.Config{
			DataDir:            cfg.DataDir,
			SandboxImage:       images.PauseImage,
			CNIConfDir:         cniConfDir,
			InsecureRegistries: cfg.InsecureRegistries,
			Mirrors:            cfg.RegistryMirrors,
			Log:                log,
		})
		if err != nil {
			return fmt.Errorf("start containerd: %w", err)
		}
		defer proc.Stop()
		endpoint = proc.Endpoint()
	}
	runtime, err := cri.Dial(ctx, endpoint, 30*time.Second)
	if err != nil {
		return err
	}
	defer runtime.Close()
	if err := images.EnsurePause(ctx, runtime.Images, images.CtrImporter{Address: endpoint}); err != nil {
		return fmt.Errorf("pause image: %w", err)
	}
	log.Info("Container runtime ready", "endpoint", endpoint, "after", time.Since(start).Round(time.Millisecond))

	client, err := kubernetes.NewForConfig(cfg.REST)
	if err != nil {
		return fmt.Errorf("api client: %w", err)
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: cfg.NodeName})

	capacity, err := cgroups.Capacity(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("node capacity: %w", err)
	}
	cg, err := cgroups.New(cfg.CgroupRoot, capacity)
	if err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}

	// evictor is made once the pod workers exist; the node reads its
	// pressure conditions only after Run starts everything.
	var evictor *eviction.Manager
	pressure := func() (memory, disk, pid bool) {
		if evictor == nil {
			return false, false, false
		}
		return evictor.Conditions()
	}
	nodeAgent := node.New(node.Config{
		Client:      client,
		NodeName:    cfg.NodeName,
		NodeIP:      cfg.NodeIP,
		Labels:      cfg.Labels,
		KubeletPort: int32(cfg.Port),
		Runtime:     runtime.Runtime,
		Images:      runtime.Images,
		Capacity:    func() (v1.ResourceList, error) { return capacity, nil },
		Pressure:    pressure,
		Recorder:    recorder,
		// The node calls this once, when spec.podCIDR first appears.
		PodCIDRReady: func(cidr string) {
			if err := cni.EnableForwarding(); err != nil {
				log.Error("Enable IP forwarding", "err", err)
			}
			if err := cni.EnableBridgeNetfilter(); err != nil {
				log.Error("Services between pods on this node will not work", "err", err)
			}
			if err := cni.EnsureMasquerade(cfg.BridgeName, cidr, cfg.ClusterCIDR); err != nil {
				log.Error("Masquerade pod traffic leaving the node", "podCIDR", cidr, "err", err)
			}
			if err := cni.WriteConfig(cniConfDir, cni.Config{PodCIDR: cidr, BridgeName: cfg.BridgeName}); err != nil {
				log.Error("Write CNI config", "podCIDR", cidr, "err", err)
				return
			}
			log.Info("Pod network configured", "podCIDR", cidr)
		},
		Log: log,
	})
	if err := nodeAgent.Register(ctx); err != nil {
		return fmt.Errorf("register node %s: %w", cfg.NodeName, err)
	}

	if len(cfg.ClusterDNS) == 0 {
		cfg.ClusterDNS = clusterDNS(ctx, client, log)
	}

	podFactory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", cfg.NodeName).String()
	}))
	factory := informers.NewSharedInformerFactory(client, 0)
	lookup := newLookup(factory)

	// Both register their informers on factory, so before it starts.
	var routeController *routes.Controller
	var proxier *proxy.Proxier
	if !cfg.SharedNetwork {
		routeController = routes.New(routes.Config{Factory: factory, NodeName: cfg.NodeName, Log: log})
		proxier = proxy.New(proxy.Config{Informers: factory, NodeName: cfg.NodeName, ClusterCIDR: cfg.ClusterCIDR, Log: log})
	}

	imageManager := images.NewManager(runtime.Images, recorder, clock.RealClock{})
	volumeManager := volumes.NewManager(volumes.Config{
		PodsDir:  filepath.Join(cfg.DataDir, "pods"),
		Client:   client,
		Factory:  factory,
		NodeName: cfg.NodeName,
		Recorder: recorder,
		Log:      log,
	})
	logDir := filepath.Join(cfg.DataDir, "logs", "pods")
	builder := containerconfig.NewBuilder(containerconfig.BuilderConfig{
		NodeName:        cfg.NodeName,
		LogDir:          logDir,
		PodDir:          func(uid types.UID) string { return filepath.Join(cfg.DataDir, "pods", string(uid)) },
		Lookup:          lookup,
		ClusterDNS:      cfg.ClusterDNS,
		ClusterDomain:   cfg.ClusterDomain,
		CgroupParent:    func(p *v1.Pod) string { return cgroups.PodCgroupName(cfg.CgroupRoot, p) },
		NodeAllocatable: func() v1.ResourceList { return capacity },
	})
	var podManager *pods.Manager
	prober := probe.NewManager(runtime.Runtime, recorder, clock.RealClock{}, func(uid types.UID) { podManager.Wake(uid) })
	podManager = pods.New(pods.Config{
		NodeName: cfg.NodeName,
		Client:   client,
		Runtime:  runtime.Runtime,
		Images:   imageManager,
		Volumes:  volumeManager,
		Probes:   prober,
		Builder:  podBuilder{Builder: builder, hostIPs: []string{cfg.NodeIP}},
		NodeIPs:  []string{cfg.NodeIP},
		Cgroups:  cg,
		Secrets:  lookup.Secret,
		LogDir:   logDir,
		Recorder: recorder,
		Clock:    clock.RealClock{},
		Log:      log,
	})
	podInformer := podFactory.Core().V1().Pods().Informer()
	if _, err := podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { podManager.Update(obj.(*v1.Pod)) },
		UpdateFunc: func(_, obj any) {
			// Downward API volumes follow label and annotation changes.
			volumeManager.Update(obj.(*v1.Pod))
			podManager.Update(obj.(*v1.Pod))
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if p, ok := obj.(*v1.Pod); ok {
				podManager.Delete(p)
			}
		},
	}); err != nil {
		return fmt.Errorf("watch pods: %w", err)
	}
	evictor = eviction.New(eviction.Config{
		DataDir:    cfg.DataDir,
		ActivePods: func() []*v1.Pod { return activePods(podInformer.GetStore()) },
		Evict:      podManager.Kill,
	})
	statics := staticpods.New(staticpods.Config{Dir: cfg.PodManifestPath, NodeName: cfg.NodeName, NodeUID: nodeAgent.UID, Client: client, Log: log})

	tlsConfig, err := servingTLS(cfg)
	if err != nil {
		return err
	}
	server := streaming.NewServer(streaming.Config{
		Runtime:  runtime.Runtime,
		TLS:      tlsConfig,
		ClientCA: tlsConfig.ClientCAs,
		Pods:     func() []v1.Pod { return podsOf(podInformer.GetStore()) },
		Addr:     net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Log:      log,
	})

	var wg sync.WaitGroup
	run := func(f func(context.Context)) { wg.Add(1); go func() { defer wg.Done(); f(ctx) }() }
	serveErr := make(chan error, 1)
	go func() { serveErr <- server.ListenAndServe(ctx) }()
	run(nodeAgent.Run)
	factory.Start(ctx.Done())
	podFactory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	podFactory.WaitForCacheSync(ctx.Done())
	// Every pod the API has for this node is known before orphans are
	// judged, or a live pod would be taken for one.
	for _, p := range podsOf(podInformer.GetStore()) {
		podManager.Update(&p)
	}
	if err := podManager.RemoveOrphans(ctx); err != nil {
		log.Error("Remove pods deleted while the agent was down", "err", err)
	}
	runLogged := func(what string, f func(context.Context) error) {
		run(func(ctx context.Context) {
			if err := f(ctx); err != nil && ctx.Err() == nil {
				log.Error(what+" stopped", "err", err)
			}
		})
	}
	if !cfg.SharedNetwork {
		runLogged("Pod routes to other nodes", routeController.Run)
		runLogged("Service proxy", proxier.Run)
	}
	run(volumeManager.Run)
	run(podManager.Run)
	run(evictor.Run)
	run(statics.Run)
	log.Info("Agent ready", "startup", time.Since(start).Round(time.Millisecond))
	if n, err := trimText(); err != nil {
		// Only memory is at stake: the pages stay mapped.
		log.Warn("Drop executable pages touched by startup", "err", err)
	} else {
		log.Debug("Dropped executable pages touched by startup", "mappedBytes", n)
	}

	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	wg.Wait()
	prober.Stop()
	if err := cg.Cleanup(); err != nil {
		log.Warn("Remove empty pod cgroups", "err", err)
	}
	factory.Shutdown()
	podFactory.Shutdown()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("agent https: %w", err)
	}
	return nil
}

// servingTLS serves the agent's certificate and accepts only clients with a
// certificate from the cluster CA (the API server's kubelet client).
func servingTLS(cfg Config) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(cfg.ServingCertPEM, cfg.ServingKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("agent serving certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cfg.ClientCAPEM) {
		return nil, fmt.Errorf("agent client CA: no certificates")
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// podsOf lists the pods in an informer store.
func podsOf(store cache.Store) []v1.Pod {
	objs := store.List()
	out := make([]v1.Pod, 0, len(objs))
	for _, obj := range objs {
		out = append(out, *obj.(*v1.Pod))
	}
	return out
}

// activePods are the pods bound here that have not finished.
func activePods(store cache.Store) []*v1.Pod {
	var out []*v1.Pod
	for _, obj := range store.List() {
		p := obj.(*v1.Pod)
		if p.Status.Phase != v1.PodSucceeded && p.Status.Phase != v1.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

// clusterDNS finds the cluster's DNS server the way a joining node is told
// it by kubeadm: the kube-dns Service's IP. Without one, pods use the
// host's resolv.conf.
func clusterDNS(ctx context.Context, client kubernetes.Interface, log *slog.Logger) []string {
	svc, err := client.CoreV1().Services(metav1.NamespaceSystem).Get(ctx, "kube-dns", metav1.GetOptions{})
	if err != nil || svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == v1.ClusterIPNone {
		log.Info("No kube-dns Service; pods resolve names with the host's resolv.conf", "err", err)
		return nil
	}
	log.Info("Cluster DNS", "server", svc.Spec.ClusterIP)
	return []string{svc.Spec.ClusterIP}
}
