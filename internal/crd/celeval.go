package crd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// errBudget stops evaluation once the object's cost budget is spent.
var errBudget = errors.New("cost budget exhausted")

// celValidate evaluates every rule of n against obj (and old, on update).
// Both are whole unstructured objects; conversion to what rules see happens
// once per call.
func (n *celNode) celValidate(obj, old map[string]interface{}) field.ErrorList {
	if n == nil {
		return nil
	}
	self := celValue(obj, n.schema, true)
	var oldSelf interface{}
	if old != nil {
		oldSelf = celValue(old, n.schema, true)
	}
	e := &celEval{budget: runtimeCostBudget}
	e.walk(n, nil, self, oldSelf, old != nil)
	return e.errs
}

type celEval struct {
	budget int64
	errs   field.ErrorList
	spent  bool
}

func (e *celEval) walk(n *celNode, p *field.Path, v, old interface{}, hasOld bool) {
	if n == nil || v == nil || e.spent {
		return
	}
	for _, r := range n.rules {
		if err := e.rule(n.schema, r, p, v, old, hasOld); err != nil {
			e.spent = true
			e.errs = append(e.errs, field.Invalid(p, typeName(n.schema), "validation failed due to running out of cost budget, no further validation rules will be run"))
			return
		}
	}
	switch val := v.(type) {
	case map[string]interface{}:
		oldMap, _ := old.(map[string]interface{})
		for key, cv := range val {
			child := n.props[key]
			if child == nil {
				if _, declared := n.schema.Properties[key]; declared {
					continue
				}
				child = n.additional
			}
			if child == nil {
				continue
			}
			co, ok := oldMap[key]
			cp := p.Child(key)
			if child == n.additional && n.additional != nil {
				cp = p.Key(key)
			}
			e.walk(child, cp, cv, co, hasOld && ok)
		}
	case []interface{}:
		if n.items == nil {
			return
		}
		oldList, _ := old.([]interface{})
		keys := n.schema.XListMapKeys
		mapList := n.schema.XListType != nil && *n.schema.XListType == "map"
		for i, item := range val {
			var oi interface{}
			found := false
			if hasOld && mapList {
				oi, found = findByKeys(oldList, item, keys)
			}
			e.walk(n.items, p.Index(i), item, oi, found)
		}
	}
}

// findByKeys returns the item of a map list whose keys equal item's.
func findByKeys(list []interface{}, item interface{}, keys []string) (interface{}, bool) {
	m, ok := item.(map[string]interface{})
	if !ok {
		return nil, false
	}
	for _, cand := range list {
		cm, ok := cand.(map[string]interface{})
		if !ok {
			continue
		}
		match := true
		for _, k := range keys {
			if fmt.Sprint(cm[k]) != fmt.Sprint(m[k]) {
				match = false
				break
			}
		}
		if match {
			return cand, true
		}
	}
	return nil, false
}

// rule evaluates one rule at p; it returns errBudget when the object's
// budget is spent.
func (e *celEval) rule(s *apiextv1.JSONSchemaProps, r *celRule, p *field.Path, v, old interface{}, hasOld bool) error {
	act := map[string]interface{}{"self": v}
	if r.usesOldSelf {
		switch {
		case r.optionalOld && hasOld:
			act["oldSelf"] = types.OptionalOf(types.DefaultTypeAdapter.NativeToValue(old))
		case r.optionalOld:
			act["oldSelf"] = types.OptionalNone
		case hasOld:
			act["oldSelf"] = old
		default:
			return nil // a transition rule only applies when there is an old value
		}
	}
	out, details, err := r.prog.Eval(act)
	if details != nil && details.ActualCost() != nil {
		e.budget -= int64(*details.ActualCost())
	}
	if e.budget < 0 {
		return errBudget
	}
	fp := r.errorPath(p)
	if err != nil {
		if strings.Contains(err.Error(), "cost limit exceeded") {
			e.errs = append(e.errs, field.Invalid(fp, typeName(s), "call cost exceeds limit for rule: "+ruleString(r.rule)))
			return nil
		}
		e.errs = append(e.errs, field.Invalid(fp, typeName(s), fmt.Sprintf("%v evaluating rule: %s", err, ruleString(r.rule))))
		return nil
	}
	if out == types.True {
		return nil
	}
	msg := r.rule.Message
	if msg == "" {
		msg = "failed rule: " + ruleString(r.rule)
	}
	if r.message != nil {
		if m, ok := e.message(r.message, act); ok {
			msg = m
		}
		if e.budget < 0 {
			return errBudget
		}
	}
	e.errs = append(e.errs, ruleError(r.rule.Reason, fp, typeName(s), msg))
	return nil
}

// message evaluates a messageExpression; an error, an empty string or one
// with line breaks falls back to the static message, as in Kubernetes.
func (e *celEval) message(prog cel.Program, act map[string]interface{}) (string, bool) {
	out, details, err := prog.Eval(act)
	if details != nil && details.ActualCost() != nil {
		e.budget -= int64(*details.ActualCost())
	}
	if err != nil {
		return "", false
	}
	s, ok := out.Value().(string)
	if !ok || strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\r\n") || len(s) > 5000 {
		return "", false
	}
	return s, true
}

func ruleError(reason *apiextv1.FieldValueErrorReason, p *field.Path, typ, msg string) *field.Error {
	if reason != nil {
		switch *reason {
		case apiextv1.FieldValueForbidden:
			return field.Forbidden(p, msg)
		case apiextv1.FieldValueRequired:
			return field.Required(p, msg)
		case apiextv1.FieldValueDuplicate:
			return field.Duplicate(p, msg)
		}
	}
	return field.Invalid(p, typ, msg)
}

func (r *celRule) errorPath(p *field.Path) *field.Path {
	for _, s := range r.fieldPath {
		if s.isKey {
			p = p.Key(s.name)
		} else if p == nil {
			p = field.NewPath(s.name)
		} else {
			p = p.Child(s.name)
		}
	}
	return p
}

func ruleString(r apiextv1.ValidationRule) string {
	return strings.TrimSpace(r.Rule)
}

// typeName is the value Kubernetes shows for a failed rule: the schema type.
func typeName(s *apiextv1.JSONSchemaProps) string {
	if s == nil {
		return ""
	}
	return s.Type
}
