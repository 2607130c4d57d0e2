package api

// This file gives the lot answers (GET /lots/{lot}/history, /trace and
// /recall) the identifier and vocabulary forms the request asks for, as
// the query resources do: GS1-EPC-Format and GS1-CBV-XML-Format, as
// headers or query parameters.

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/cbv"
)

// setFormatHeaders repeats on the answer the forms applied, and counts the
// identifiers left as Digital Links because their company prefix length
// is unknown (see --gcp-lengths).
func setFormatHeaders(h http.Header, tr *epcis.Translator) {
	h.Set("GS1-EPC-Format", string(tr.EPC))
	h.Set("GS1-CBV-XML-Format", string(tr.CBV))
	if tr.Untranslated > 0 {
		h.Set("Lotline-Untranslated-EPCs", strconv.Itoa(tr.Untranslated))
	}
}

// lotTranslator reads the format headers (or query parameters) of a lot
// request, refusing a bad one before any work is done.
func (s *Server) lotTranslator(c echo.Context) (*epcis.Translator, error) {
	if err := formatsFromQuery(c); err != nil {
		return nil, err
	}
	return s.translator(c)
}

// cbvMembers are the members of lot answers that hold CBV values, by
// their JSON name. The lot model writes standard values as bare names
// ("shipping"); Always_Web_URI and Always_URN give them in full.
var cbvMembers = map[string]cbv.Vocabulary{
	"bizStep":     cbv.BizStep,
	"disposition": cbv.Disp,
}

var timeType = reflect.TypeFor[time.Time]()

// translateLot rewrites, in place, every identifier and CBV value of a
// lot answer (a *lot.Record, *lot.Graph, *lot.RecallResult or a struct
// embedding one) into the forms tr asks for. It walks the answer by
// reflection, following the JSON names, so members the lot model gains
// later are translated too: a string that is a GS1 identifier (EPC URN
// or Digital Link) is translated whole; a string of words some of which
// are identifiers ("unit https://id.gs1.org/01/…/21/1") word by word; a
// member named in cbvMembers as a CBV value. Byte slices (stored events,
// embedded documents) are left alone: they are translated where they are
// written.
func translateLot(v any, tr *epcis.Translator) {
	if !tr.Translates() {
		return
	}
	walkLot(reflect.ValueOf(v), "", tr)
}

func walkLot(v reflect.Value, name string, tr *epcis.Translator) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkLot(v.Elem(), name, tr)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		for _, f := range jsonFields(v.Type()) {
			n := f.name
			if f.inline {
				n = name
			}
			walkLot(v.Field(f.index), n, tr)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			walkLot(v.Index(i), name, tr)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			nv := reflect.New(v.Type().Elem()).Elem()
			nv.Set(v.MapIndex(k))
			walkLot(nv, name, tr)
			nk := reflect.New(v.Type().Key()).Elem()
			nk.SetString(translateWords(k.String(), tr))
			if nk.String() != k.String() {
				v.SetMapIndex(k, reflect.Value{})
			}
			v.SetMapIndex(nk, nv)
		}
	case reflect.String:
		if !v.CanSet() {
			return
		}
		s := v.String()
		if voc, ok := cbvMembers[name]; ok {
			v.SetString(tr.Value(voc, s))
			return
		}
		v.SetString(translateWords(s, tr))
	}
}

// jsonField is an exported struct field as encoding/json names it.
type jsonField struct {
	index  int
	name   string
	inline bool // an embedded struct without a name of its own
}

// fieldCache holds each struct type's jsonFields: reading tags is most of
// the walk's own cost.
var fieldCache sync.Map // reflect.Type -> []jsonField

func jsonFields(t reflect.Type) []jsonField {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]jsonField)
	}
	var fs []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-":
		case tag != "":
			fs = append(fs, jsonField{index: i, name: tag})
		default:
			fs = append(fs, jsonField{index: i, name: f.Name, inline: f.Anonymous})
		}
	}
	fieldCache.Store(t, fs)
	return fs
}

// translateWords translates a string that is an identifier, or the
// identifiers among its space-separated words.
func translateWords(s string, tr *epcis.Translator) string {
	if !strings.Contains(s, " ") {
		return tr.ID(s)
	}
	if !strings.Contains(s, "urn:epc:") && !strings.Contains(s, "http") {
		return s
	}
	words := strings.Split(s, " ")
	for i, w := range words {
		words[i] = tr.ID(w)
	}
	return strings.Join(words, " ")
}
