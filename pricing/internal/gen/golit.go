package main

import (
	"fmt"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// pricingPkg is the import path of the package the generated file belongs
// to: its types are written without a qualifier.
const pricingPkg = "github.com/byokhq/byok/pricing"

// goLiteral writes v as Go source for a composite literal inside package
// pricing. Zero fields are left out, so the file lists only what a price
// has, and a field added to Price is written without touching this code.
// typed says whether the literal needs its type written out (an element
// of a slice or a map value may leave it implicit).
func goLiteral(b *strings.Builder, v reflect.Value, typed bool) error {
	t := v.Type()
	switch t.Kind() {
	case reflect.Struct:
		if typed {
			b.WriteString(typeName(t))
		}
		b.WriteByte('{')
		first := true
		for i := range t.NumField() {
			f := t.Field(i)
			fv := v.Field(i)
			if !f.IsExported() {
				return fmt.Errorf("%s.%s: unexported fields cannot be written as source", t.Name(), f.Name)
			}
			if fv.IsZero() {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(f.Name)
			b.WriteString(": ")
			if err := goLiteral(b, fv, true); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case reflect.Slice:
		if typed {
			b.WriteString(typeName(t))
		}
		b.WriteByte('{')
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := goLiteral(b, v.Index(i), false); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case reflect.Map:
		if typed {
			b.WriteString(typeName(t))
		}
		keys := v.MapKeys()
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("map keys of kind %s are not supported", t.Key().Kind())
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(k.String()))
			b.WriteString(": ")
			if err := goLiteral(b, v.MapIndex(k), false); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// Untyped constants take the field's named type (money.USD,
		// money.PerMillion) without a conversion.
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	default:
		return fmt.Errorf("values of kind %s are not supported", t.Kind())
	}
	return nil
}

// imports collects the packages whose types the generated literals name.
var imports = map[string]bool{}

// typeName spells t as package pricing's source does.
func typeName(t reflect.Type) string {
	switch {
	case t.Name() != "" && t.PkgPath() == pricingPkg:
		return t.Name()
	case t.Name() != "" && t.PkgPath() != "":
		imports[t.PkgPath()] = true
		return path.Base(t.PkgPath()) + "." + t.Name()
	case t.Name() != "":
		return t.Name()
	case t.Kind() == reflect.Slice:
		return "[]" + typeName(t.Elem())
	case t.Kind() == reflect.Map:
		return "map[" + typeName(t.Key()) + "]" + typeName(t.Elem())
	}
	return t.String()
}
