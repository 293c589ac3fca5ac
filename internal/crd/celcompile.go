package crd

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Cost limits, as Kubernetes sets them: one rule evaluation may spend
// perCallCostLimit, all rules of one object validation runtimeCostBudget.
const (
	perCallCostLimit  = 1000000
	runtimeCostBudget = 10000000
)

// celNode mirrors the parts of a schema that hold x-kubernetes-validations
// rules, compiled once per CRD version.
type celNode struct {
	schema     *apiextv1.JSONSchemaProps
	rules      []*celRule
	props      map[string]*celNode
	additional *celNode
	items      *celNode
}

// celRule is one compiled rule.
type celRule struct {
	rule        apiextv1.ValidationRule
	prog        cel.Program
	message     cel.Program // messageExpression, nil when unset
	usesOldSelf bool
	optionalOld bool
	fieldPath   []fieldStep
}

type fieldStep struct {
	name  string
	isKey bool // a map key (additionalProperties), rendered as [key]
}

// compileCEL compiles every rule in schema s. Errors are reported under
// schemaPath ("spec.validation.openAPIV3Schema") at the rule's position, so
// CRD validation can return them; a nil node means there are no rules.
func compileCEL(s *apiextv1.JSONSchemaProps, schemaPath *field.Path) (*celNode, field.ErrorList) {
	if s == nil || !hasRules(s) {
		return nil, nil
	}
	ts, err := newCELTypes()
	if err != nil {
		return nil, field.ErrorList{field.InternalError(schemaPath, err)}
	}
	base, err := cel.NewEnv(append(celLibrary(), cel.CustomTypeProvider(ts))...)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(schemaPath, err)}
	}
	c := &celCompiler{types: ts, base: base}
	rootType := ts.typeOf(s, "self", true)
	n := c.node(s, rootType, schemaPath, true, true)
	return n, c.errs
}

func hasRules(s *apiextv1.JSONSchemaProps) bool {
	if s == nil {
		return false
	}
	if len(s.XValidations) > 0 {
		return true
	}
	for _, p := range s.Properties {
		if hasRules(&p) {
			return true
		}
	}
	if s.AdditionalProperties != nil && hasRules(s.AdditionalProperties.Schema) {
		return true
	}
	return hasRules(itemsSchema(s))
}

type celCompiler struct {
	types *celTypes
	base  *cel.Env
	errs  field.ErrorList
}

// node compiles the rules at s, whose values have CEL type t. correlatable
// says whether an old value can be found for this position on update (not
// below lists other than x-kubernetes-list-type map).
func (c *celCompiler) node(s *apiextv1.JSONSchemaProps, t *types.Type, p *field.Path, correlatable, root bool) *celNode {
	if !hasRules(s) {
		return nil
	}
	n := &celNode{schema: s}
	for i, r := range s.XValidations {
		if cr := c.rule(s, t, r, p.Child("x-kubernetes-validations").Index(i), correlatable); cr != nil {
			n.rules = append(n.rules, cr)
		}
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ps := s.Properties[name]
		if root && name == "metadata" {
			continue
		}
		child := c.node(&ps, c.fieldType(t, name), p.Child("properties").Key(name), correlatable, false)
		if child != nil {
			if n.props == nil {
				n.props = map[string]*celNode{}
			}
			n.props[name] = child
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		vt := types.DynType
		if t.Kind() == types.MapKind && len(t.Parameters()) == 2 {
			vt = t.Parameters()[1]
		}
		n.additional = c.node(s.AdditionalProperties.Schema, vt, p.Child("additionalProperties"), correlatable, false)
	}
	if items := itemsSchema(s); items != nil {
		et := types.DynType
		if t.Kind() == types.ListKind && len(t.Parameters()) == 1 {
			et = t.Parameters()[0]
		}
		mapList := s.XListType != nil && *s.XListType == "map"
		n.items = c.node(items, et, p.Child("items"), correlatable && mapList, false)
	}
	return n
}

func (c *celCompiler) fieldType(t *types.Type, prop string) *types.Type {
	esc, ok := escapeCELName(prop)
	if !ok {
		return types.DynType
	}
	if ft, ok := c.types.FindStructFieldType(t.TypeName(), esc); ok {
		return ft.Type
	}
	return types.DynType
}

func (c *celCompiler) rule(s *apiextv1.JSONSchemaProps, t *types.Type, r apiextv1.ValidationRule, p *field.Path, correlatable bool) *celRule {
	if strings.TrimSpace(r.Rule) == "" {
		c.errs = append(c.errs, field.Required(p.Child("rule"), "rule is not specified"))
		return nil
	}
	optionalOld := r.OptionalOldSelf != nil && *r.OptionalOldSelf
	oldType := t
	if optionalOld {
		oldType = types.NewOptionalType(t)
	}
	env, err := c.base.Extend(cel.Variable("self", t), cel.Variable("oldSelf", oldType))
	if err != nil {
		c.errs = append(c.errs, field.InternalError(p, err))
		return nil
	}
	ast, iss := env.Compile(r.Rule)
	if iss.Err() != nil {
		c.errs = append(c.errs, field.Invalid(p.Child("rule"), r.Rule, "compilation failed: "+iss.Err().Error()))
		return nil
	}
	if ast.OutputType() != types.BoolType && ast.OutputType() != types.DynType {
		c.errs = append(c.errs, field.Invalid(p.Child("rule"), r.Rule, "cel expression must evaluate to a bool"))
		return nil
	}
	cr := &celRule{rule: r, optionalOld: optionalOld, usesOldSelf: referencesOldSelf(ast)}
	if cr.usesOldSelf && !correlatable {
		c.errs = append(c.errs, field.Invalid(p.Child("rule"), r.Rule, "oldSelf cannot be used on the uncorrelatable portion of the schema"))
		return nil
	}
	if optionalOld && !cr.usesOldSelf {
		c.errs = append(c.errs, field.Invalid(p.Child("optionalOldSelf"), true, "may not be set if oldSelf is not used in rule"))
		return nil
	}
	cr.prog, err = env.Program(ast, cel.CostLimit(perCallCostLimit), cel.InterruptCheckFrequency(100))
	if err != nil {
		c.errs = append(c.errs, field.Invalid(p.Child("rule"), r.Rule, "program instantiation failed: "+err.Error()))
		return nil
	}
	if r.MessageExpression != "" {
		mast, iss := env.Compile(r.MessageExpression)
		if iss.Err() != nil {
			c.errs = append(c.errs, field.Invalid(p.Child("messageExpression"), r.MessageExpression, "messageExpression compilation failed: "+iss.Err().Error()))
			return nil
		}
		if mast.OutputType() != types.StringType && mast.OutputType() != types.DynType {
			c.errs = append(c.errs, field.Invalid(p.Child("messageExpression"), r.MessageExpression, "must evaluate to a string"))
			return nil
		}
		if referencesOldSelf(mast) && !cr.usesOldSelf {
			c.errs = append(c.errs, field.Invalid(p.Child("messageExpression"), r.MessageExpression, "messageExpression uses oldSelf but rule does not"))
			return nil
		}
		cr.message, err = env.Program(mast, cel.CostLimit(perCallCostLimit), cel.InterruptCheckFrequency(100))
		if err != nil {
			c.errs = append(c.errs, field.Invalid(p.Child("messageExpression"), r.MessageExpression, "program instantiation failed: "+err.Error()))
			return nil
		}
	}
	if r.FieldPath != "" {
		steps, err := parseFieldPath(r.FieldPath, s)
		if err != nil {
			c.errs = append(c.errs, field.Invalid(p.Child("fieldPath"), r.FieldPath, err.Error()))
			return nil
		}
		cr.fieldPath = steps
	}
	if r.Reason != nil {
		switch *r.Reason {
		case apiextv1.FieldValueInvalid, apiextv1.FieldValueForbidden, apiextv1.FieldValueRequired, apiextv1.FieldValueDuplicate:
		default:
			c.errs = append(c.errs, field.NotSupported(p.Child("reason"), *r.Reason, []string{
				string(apiextv1.FieldValueRequired), string(apiextv1.FieldValueDuplicate),
				string(apiextv1.FieldValueInvalid), string(apiextv1.FieldValueForbidden)}))
			return nil
		}
	}
	return cr
}

func referencesOldSelf(ast *cel.Ast) bool {
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref.Name == "oldSelf" {
			return true
		}
	}
	return false
}

// parseFieldPath parses a rule's fieldPath (".spec.size", ".labels['a.b']")
// and checks each step against the schema.
func parseFieldPath(fp string, s *apiextv1.JSONSchemaProps) ([]fieldStep, error) {
	var steps []fieldStep
	rest := fp
	cur := s
	for rest != "" {
		var name string
		switch {
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, fmt.Errorf("fieldPath must be a valid path: unclosed bracket")
			}
			name, rest = rest[2:end], rest[end+2:]
		case strings.HasPrefix(rest, "."):
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			name, rest = rest[:end], rest[end:]
		default:
			return nil, fmt.Errorf("fieldPath must be a valid path: expected [ or . at %q", rest)
		}
		if name == "" {
			return nil, fmt.Errorf("fieldPath must be a valid path: empty field name")
		}
		if cur == nil {
			return nil, fmt.Errorf("fieldPath must be a valid path: %s does not exist in the schema", fp)
		}
		if ps, ok := cur.Properties[name]; ok {
			steps = append(steps, fieldStep{name: name})
			cur = &ps
			continue
		}
		if cur.AdditionalProperties != nil && cur.AdditionalProperties.Schema != nil {
			steps = append(steps, fieldStep{name: name, isKey: true})
			cur = cur.AdditionalProperties.Schema
			continue
		}
		return nil, fmt.Errorf("fieldPath must be a valid path: %s does not exist in the schema", fp)
	}
	return steps, nil
}
