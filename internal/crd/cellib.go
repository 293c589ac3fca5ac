package crd

import (
	"regexp"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/ext"
)

// celLibrary is the function set rules may use: CEL's standard library, the
// cel-go extensions Kubernetes enables (strings, sets, lists, two-variable
// comprehensions, optionals) and our own implementations of Kubernetes'
// list helpers (isSorted, sum, min, max, indexOf, lastIndexOf) and regex
// helpers (find, findAll).
func celLibrary() []cel.EnvOption {
	listT := cel.ListType(cel.TypeParamType("T"))
	return []cel.EnvOption{
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(ext.StringsVersion(2)),
		ext.Sets(),
		ext.Lists(),
		ext.TwoVarComprehensions(),
		cel.Function("isSorted",
			cel.MemberOverload("bosun_list_is_sorted", []*cel.Type{listT}, cel.BoolType,
				cel.UnaryBinding(func(l ref.Val) ref.Val { return listIsSorted(l) }))),
		cel.Function("sum",
			cel.MemberOverload("bosun_list_int_sum", []*cel.Type{cel.ListType(cel.IntType)}, cel.IntType,
				cel.UnaryBinding(func(l ref.Val) ref.Val { return listSum(l, types.Int(0)) })),
			cel.MemberOverload("bosun_list_double_sum", []*cel.Type{cel.ListType(cel.DoubleType)}, cel.DoubleType,
				cel.UnaryBinding(func(l ref.Val) ref.Val { return listSum(l, types.Double(0)) })),
			cel.MemberOverload("bosun_list_duration_sum", []*cel.Type{cel.ListType(cel.DurationType)}, cel.DurationType,
				cel.UnaryBinding(func(l ref.Val) ref.Val { return listSum(l, types.Duration{}) }))),
		cel.Function("min",
			cel.MemberOverload("bosun_list_min", []*cel.Type{listT}, cel.TypeParamType("T"),
				cel.UnaryBinding(func(l ref.Val) ref.Val { return listExtreme(l, -1) }))),
		cel.Function("max",
			cel.MemberOverload("bosun_list_max", []*cel.Type{listT}, cel.TypeParamType("T"),
				cel.UnaryBinding(func(l ref.Val) ref.Val { return listExtreme(l, 1) }))),
		cel.Function("indexOf",
			cel.MemberOverload("bosun_list_index_of", []*cel.Type{listT, cel.TypeParamType("T")}, cel.IntType,
				cel.BinaryBinding(func(l, v ref.Val) ref.Val { return listIndex(l, v, false) }))),
		cel.Function("lastIndexOf",
			cel.MemberOverload("bosun_list_last_index_of", []*cel.Type{listT, cel.TypeParamType("T")}, cel.IntType,
				cel.BinaryBinding(func(l, v ref.Val) ref.Val { return listIndex(l, v, true) }))),
		cel.Function("find",
			cel.MemberOverload("bosun_string_find", []*cel.Type{cel.StringType, cel.StringType}, cel.StringType,
				cel.BinaryBinding(func(s, re ref.Val) ref.Val { return regexFind(s, re) }))),
		cel.Function("findAll",
			cel.MemberOverload("bosun_string_find_all", []*cel.Type{cel.StringType, cel.StringType}, cel.ListType(cel.StringType),
				cel.BinaryBinding(func(s, re ref.Val) ref.Val { return regexFindAll(s, re, -1) })),
			cel.MemberOverload("bosun_string_find_all_n", []*cel.Type{cel.StringType, cel.StringType, cel.IntType}, cel.ListType(cel.StringType),
				cel.FunctionBinding(func(args ...ref.Val) ref.Val {
					n, ok := args[2].(types.Int)
					if !ok {
						return types.MaybeNoSuchOverloadErr(args[2])
					}
					return regexFindAll(args[0], args[1], int(n))
				}))),
	}
}

func items(l ref.Val) ([]ref.Val, ref.Val) {
	lister, ok := l.(traits.Lister)
	if !ok {
		return nil, types.MaybeNoSuchOverloadErr(l)
	}
	n, ok := lister.Size().(types.Int)
	if !ok {
		return nil, types.NewErr("list size")
	}
	out := make([]ref.Val, 0, int(n))
	for i := types.Int(0); i < n; i++ {
		out = append(out, lister.Get(i))
	}
	return out, nil
}

func compare(a, b ref.Val) (int, ref.Val) {
	c, ok := a.(traits.Comparer)
	if !ok {
		return 0, types.MaybeNoSuchOverloadErr(a)
	}
	r, ok := c.Compare(b).(types.Int)
	if !ok {
		return 0, types.MaybeNoSuchOverloadErr(b)
	}
	return int(r), nil
}

func listIsSorted(l ref.Val) ref.Val {
	xs, err := items(l)
	if err != nil {
		return err
	}
	for i := 1; i < len(xs); i++ {
		c, err := compare(xs[i-1], xs[i])
		if err != nil {
			return err
		}
		if c > 0 {
			return types.False
		}
	}
	return types.True
}

func listSum(l ref.Val, zero ref.Val) ref.Val {
	xs, err := items(l)
	if err != nil {
		return err
	}
	acc := zero
	for _, x := range xs {
		a, ok := acc.(traits.Adder)
		if !ok {
			return types.MaybeNoSuchOverloadErr(acc)
		}
		acc = a.Add(x)
		if types.IsError(acc) {
			return acc
		}
	}
	return acc
}

// listExtreme returns the minimum (sign -1) or maximum (sign 1) item.
func listExtreme(l ref.Val, sign int) ref.Val {
	xs, err := items(l)
	if err != nil {
		return err
	}
	if len(xs) == 0 {
		return types.NewErr("%s called on empty list", map[int]string{-1: "min", 1: "max"}[sign])
	}
	best := xs[0]
	for _, x := range xs[1:] {
		c, err := compare(x, best)
		if err != nil {
			return err
		}
		if c*sign > 0 {
			best = x
		}
	}
	return best
}

func listIndex(l, v ref.Val, last bool) ref.Val {
	xs, err := items(l)
	if err != nil {
		return err
	}
	found := -1
	for i, x := range xs {
		if x.Equal(v) == types.True {
			found = i
			if !last {
				break
			}
		}
	}
	return types.Int(found)
}

func regexFind(s, re ref.Val) ref.Val {
	str, ok1 := s.(types.String)
	pat, ok2 := re.(types.String)
	if !ok1 || !ok2 {
		return types.MaybeNoSuchOverloadErr(s)
	}
	r, err := regexp.Compile(string(pat))
	if err != nil {
		return types.WrapErr(err)
	}
	return types.String(r.FindString(string(str)))
}

func regexFindAll(s, re ref.Val, n int) ref.Val {
	str, ok1 := s.(types.String)
	pat, ok2 := re.(types.String)
	if !ok1 || !ok2 {
		return types.MaybeNoSuchOverloadErr(s)
	}
	r, err := regexp.Compile(string(pat))
	if err != nil {
		return types.WrapErr(err)
	}
	return types.DefaultTypeAdapter.NativeToValue(r.FindAllString(string(str), n))
}
