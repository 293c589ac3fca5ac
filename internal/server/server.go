package server

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/apiserver"
	"github.com/bosun-dev/bosun/internal/apiserver/openapi"
	"github.com/bosun-dev/bosun/internal/apiserver/storage"
	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/controller/namespace"
	"github.com/bosun-dev/bosun/internal/controlplane"
	"github.com/bosun-dev/bosun/internal/crd"
	"github.com/bosun-dev/bosun/internal/etcd"
	"github.com/bosun-dev/bosun/internal/pki"
	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/builtin"
	bosunversion "github.com/bosun-dev/bosun/internal/version"
)

// Run starts the control plane and serves until ctx ends, then stops
// cleanly: HTTPS first, then the controllers, storage and etcd.
func Run(ctx context.Context, cfg Config) error {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	if !cfg.runs(ComponentAPIServer) {
		return runRemote(ctx, cfg)
	}
	log := slog.Default().With("component", "server")
	start := time.Now()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	portMin, portMax, err := parsePortRange(cfg.ServiceNodePortRange)
	if err != nil {
		return err
	}
	allocators, err := apiserver.NewServiceAllocators(cfg.ServiceClusterIPRange, portMin, portMax)
	if err != nil {
		return err
	}
	serviceIP := allocators.KubernetesServiceIP()

	bundle, err := pki.Ensure(cfg.DataDir, pki.Options{ServerHosts: []string{serviceIP, cfg.AdvertiseAddress}})
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}

	client, closeEtcd, err := openEtcd(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeEtcd()

	store, err := storage.New(client, storage.NewJSONCodec(builtin.Scheme), storage.Options{})
	if err != nil {
		return err
	}
	storeCtx, stopStore := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStore()
	if err := store.Start(storeCtx); err != nil {
		return fmt.Errorf("start storage: %w", err)
	}
	if err := restoreServiceAllocations(ctx, store, allocators); err != nil {
		return err
	}

	authn, issuer, tokens, err := authenticators(bundle)
	if err != nil {
		return err
	}
	kubeletClient, err := bundle.KubeletClient.TLSCertificate()
	if err != nil {
		return err
	}
	resources := builtin.Resources(crd.Rules())
	api := apiserver.New(apiserver.Config{
		Storage:       store,
		Authenticator: authn,
		Authorizer:    auth.AlwaysAllow{},
		Resources:     resources,
		Version:       versionInfo(),
		OpenAPI:       openapi.New(builtin.Scheme),
		Services:      allocators,
		Tokens:        issuer,
		KubeletClient: &tls.Config{Certificates: []tls.Certificate{kubeletClient}, RootCAs: bundle.CAPool(), MinVersion: tls.VersionTLS12},

		DisableAdmissionPlugins: cfg.DisableAdmissionPlugins,
	})

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.SecurePort)))
	if err != nil {
		return fmt.Errorf("listen on %s:%d: %w", cfg.BindAddress, cfg.SecurePort, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	serving, err := bundle.Serving.TLSCertificate()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: api,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{serving},
			ClientAuth:   tls.VerifyClientCertIfGiven,
			ClientCAs:    bundle.CAPool(),
			MinVersion:   tls.VersionTLS12,
		},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ServeTLS(ln, "", "") }()
	if cfg.Addr != nil {
		cfg.Addr <- ln.Addr().String()
	}

	url := "https://127.0.0.1:" + strconv.Itoa(port)
	kubeconfig := filepath.Join(cfg.DataDir, "admin.kubeconfig")
	if err := pki.WriteKubeconfig(kubeconfig, url, bundle.CAPEM, bundle.Admin.CertPEM, bundle.Admin.KeyPEM, "bosun"); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	loopback := &rest.Config{
		Host: url, QPS: 500, Burst: 1000, UserAgent: "bosun-server",
		TLSClientConfig: rest.TLSClientConfig{CAData: bundle.CAPEM, CertData: bundle.Admin.CertPEM, KeyData: bundle.Admin.KeyPEM},
	}
	ctrlCtx, stopControllers := context.WithCancel(ctx)
	defer stopControllers()
	if err := runControllers(ctrlCtx, loopback, api, resources); err != nil {
		return err
	}
	kube, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return err
	}
	watchBootstrapTokens(ctrlCtx, kube, tokens)
	if err := bootstrap(ctx, kube, serviceIP, cfg.AdvertiseAddress, port, bundle.CAPEM); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if cfg.DNSPort != 0 {
		startClusterDNS(ctrlCtx, kube, cfg, allocators.DNSServiceIP(), log)
	}
	controlPlaneDone := make(chan error, 1)
	go func() {
		controlPlaneDone <- controlplane.Run(ctrlCtx, controlPlaneConfig(cfg, loopback, bundle.CAPEM, bundle.CAKey, controlplane.StableIdentity(cfg.DataDir)))
	}()
	api.SetReady()
	// agentDone stays nil (never ready) without a local agent.
	var agentDone chan error
	if cfg.Agent != nil {
		agentDone = make(chan error, 1)
		agentCfg := *cfg.Agent
		agentCfg.ClusterCIDR = cfg.ClusterCIDR
		if len(agentCfg.ClusterDNS) == 0 && cfg.DNSPort != 0 {
			agentCfg.ClusterDNS = []string{allocators.DNSServiceIP()}
		}
		go func() { agentDone <- runLocalAgent(ctrlCtx, agentCfg, bundle, url) }()
	}
	log.Info("Serving", "address", ln.Addr().String(), "kubeconfig", kubeconfig, "startup", time.Since(start).Round(time.Millisecond))
	if cfg.Ready != nil {
		close(cfg.Ready)
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case err := <-agentDone:
		// The server is useless as a one-node cluster without its node.
		return fmt.Errorf("node agent: %w", err)
	}
	log.Info("Shutting down")
	stopControllers()
	<-controlPlaneDone
	if agentDone != nil {
		if err := <-agentDone; err != nil {
			log.Error("Node agent stopped", "err", err)
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close() // watches never finish on their own
	}
	return nil
}

// runRemote runs the scheduler and controllers against the API server the
// kubeconfig names.
func runRemote(ctx context.Context, cfg Config) error {
	rc, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig %s: %w", cfg.Kubeconfig, err)
	}
	ca := rc.CAData
	if len(ca) == 0 && rc.CAFile != "" {
		if ca, err = os.ReadFile(rc.CAFile); err != nil {
			return fmt.Errorf("read cluster CA: %w", err)
		}
	}
	slog.Info("Running against a remote API server", "server", rc.Host, "components", cfg.Components)
	return controlplane.Run(ctx, controlPlaneConfig(cfg, rc, ca, nil, ""))
}

func controlPlaneConfig(cfg Config, rc *rest.Config, ca []byte, caKey crypto.Signer, identity string) controlplane.Config {
	return controlplane.Config{
		REST:                   rc,
		Scheduler:              cfg.runs(ComponentScheduler),
		Controllers:            cfg.runs(ComponentControllers),
		Identity:               identity,
		CACert:                 ca,
		CAKey:                  caKey,
		NodeMonitorGracePeriod: cfg.NodeMonitorGracePeriod,
		ClusterCIDR:            cfg.ClusterCIDR,
	}
}

// openEtcd connects to the external etcd cluster, or starts the embedded one.
func openEtcd(ctx context.Context, cfg Config) (*clientv3.Client, func(), error) {
	if len(cfg.EtcdEndpoints) > 0 {
		c, err := etcd.Connect(ctx, etcd.ExternalConfig{Endpoints: cfg.EtcdEndpoints, CAFile: cfg.EtcdCAFile, CertFile: cfg.EtcdCertFile, KeyFile: cfg.EtcdKeyFile})
		if err != nil {
			return nil, nil, fmt.Errorf("connect to etcd %v: %w", cfg.EtcdEndpoints, err)
		}
		return c, func() { _ = c.Close() }, nil
	}
	e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: filepath.Join(cfg.DataDir, "etcd")})
	if err != nil {
		return nil, nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	return e.Client(), func() { _ = e.Close() }, nil
}

// restoreServiceAllocations marks the IPs and ports of stored Services taken.
func restoreServiceAllocations(ctx context.Context, store storage.Interface, a *apiserver.ServiceAllocators) error {
	list, err := store.List(ctx, storage.Prefix("", "services", ""), storage.ListOptions{})
	if err != nil {
		return fmt.Errorf("restore service allocations: %w", err)
	}
	for _, obj := range list.Items {
		if svc, ok := obj.(*corev1.Service); ok {
			a.Restore(svc)
		}
	}
	return nil
}

// runControllers starts the controllers the API server itself needs:
// CustomResourceDefinitions and namespace deletion.
func runControllers(ctx context.Context, loopback *rest.Config, api *apiserver.Server, builtins []*registry.Resource) error {
	kube, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(loopback)
	if err != nil {
		return err
	}
	ext, err := apiextclient.NewForConfig(loopback)
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactory(kube, 0)
	nsController := namespace.New(kube, dyn, factory, func() []schema.GroupVersionResource {
		var out []schema.GroupVersionResource
		for _, r := range api.Resources() {
			if r.Namespaced && r.Serves("deletecollection") && r.ToStorage == nil {
				out = append(out, r.GVR)
			}
		}
		return out
	})
	crdController := crd.NewController(ext, api, crd.WithBuiltins(builtins))
	factory.Start(ctx.Done())
	go nsController.Run(ctx, 2)
	go crdController.Run(ctx)
	return nil
}

func versionInfo() version.Info {
	return version.Info{
		Major: bosunversion.KubernetesMajor, Minor: bosunversion.KubernetesMinor,
		GitVersion: bosunversion.GitVersion(), GitCommit: bosunversion.Commit, GitTreeState: "clean",
		BuildDate: bosunversion.BuildDate, GoVersion: bosunversion.GoVersion(), Compiler: "gc", Platform: bosunversion.Platform(),
	}
}
