package containerconfig

import (
	"net"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// masterServiceNamespace and masterServiceName locate the API server's
// Service, whose KUBERNETES_SERVICE_* variables every pod gets so in-cluster
// clients find the API server.
const (
	masterServiceNamespace = "default"
	masterServiceName      = "kubernetes"
)

// serviceEnv returns the docker-link style variables for the Services a pod
// sees: its namespace's (when enableServiceLinks is not false) and always
// default/kubernetes, a pod-namespace Service of the same name winning.
func (b *Builder) serviceEnv(pod *v1.Pod) (map[string]string, error) {
	if b.cfg.Lookup == nil {
		return map[string]string{}, nil
	}
	byName := map[string]*v1.Service{}
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	if links {
		svcs, err := b.cfg.Lookup.Services(pod.Namespace)
		if err != nil {
			return nil, err
		}
		for _, s := range svcs {
			if serviceIPSet(s) {
				byName[s.Name] = s
			}
		}
	}
	if _, ok := byName[masterServiceName]; !ok {
		svcs, err := b.cfg.Lookup.Services(masterServiceNamespace)
		if err != nil {
			return nil, err
		}
		for _, s := range svcs {
			if s.Name == masterServiceName && serviceIPSet(s) {
				byName[s.Name] = s
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	env := map[string]string{}
	for _, n := range names {
		for _, e := range ServiceEnvVars(byName[n]) {
			env[e.Name] = e.Value
		}
	}
	return env, nil
}

func serviceIPSet(s *v1.Service) bool {
	return s.Spec.ClusterIP != "" && s.Spec.ClusterIP != v1.ClusterIPNone
}

// ServiceEnvVars are one Service's variables: NAME_SERVICE_HOST, _PORT and
// _PORT_<port name>, plus Docker link variables (NAME_PORT,
// NAME_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]).
func ServiceEnvVars(s *v1.Service) []v1.EnvVar {
	if !serviceIPSet(s) || len(s.Spec.Ports) == 0 {
		return nil
	}
	prefix := envName(s.Name)
	ip := s.Spec.ClusterIP
	env := []v1.EnvVar{
		{Name: prefix + "_SERVICE_HOST", Value: ip},
		{Name: prefix + "_SERVICE_PORT", Value: strconv.Itoa(int(s.Spec.Ports[0].Port))},
	}
	for _, p := range s.Spec.Ports {
		if p.Name != "" {
			env = append(env, v1.EnvVar{Name: prefix + "_SERVICE_PORT_" + envName(p.Name), Value: strconv.Itoa(int(p.Port))})
		}
	}
	for i, p := range s.Spec.Ports {
		proto := string(p.Protocol)
		if proto == "" {
			proto = string(v1.ProtocolTCP)
		}
		port := strconv.Itoa(int(p.Port))
		url := strings.ToLower(proto) + "://" + net.JoinHostPort(ip, port)
		if i == 0 {
			env = append(env, v1.EnvVar{Name: prefix + "_PORT", Value: url})
		}
		p := prefix + "_PORT_" + port + "_" + strings.ToUpper(proto)
		env = append(env,
			v1.EnvVar{Name: p, Value: url},
			v1.EnvVar{Name: p + "_PROTO", Value: strings.ToLower(proto)},
			v1.EnvVar{Name: p + "_PORT", Value: port},
			v1.EnvVar{Name: p + "_ADDR", Value: ip})
	}
	return env
}

func envName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
}
