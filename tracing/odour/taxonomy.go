package odour

import (
	"fmt"
	"strings"

	"github.com/envtrace/envtrace/tracing/industry"
)

// Category is a petition's odour class: a first-tier category of the
// OdourCollect taxonomy and, optionally, a second-tier type. A category
// without a type, or with the type "other" or "unknown", is generic.
type Category struct {
	// Group is the first tier, e.g. "industrial".
	Group string
	// Type is the second tier, e.g. "sulphur"; "" when not given.
	Type string
}

// String writes the category as petitions.csv does: "group/type" or
// "group".
func (c Category) String() string {
	if c.Type == "" {
		return c.Group
	}
	return c.Group + "/" + c.Type
}

// Generic reports whether the category names no specific odour.
func (c Category) Generic() bool {
	return c.Type == "" || c.Type == "other" || c.Type == "unknown" || c.Group == "other"
}

// MarshalText makes a category a JSON string.
func (c Category) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// group is one first-tier category: its names and, for its generic form,
// the industries it points at.
type group struct {
	id, name, nameZH string
	aliases          []string
	// industries are the weights a generic petition of this group gives
	// the group's own industries (all others get GenericWeight).
	industries map[string]float64
	// complaint is false for "nice" and "no odour" reports, which point at
	// no source.
	complaint bool
}

// odourType is one second-tier type and the industries whose odour it is.
type odourType struct {
	group, id, name, nameZH string
	industries              map[string]float64
}

// GenericWeight is the profile weight a generic category gives an
// industry outside its group's list: low enough that a matching specific
// profile counts double, high enough never to drop a candidate.
const GenericWeight = 0.5

// groupWeight is the weight a generic petition gives its own group's
// industries.
const groupWeight = 0.8

var groups = []group{
	{id: "waste", name: "waste", nameZH: "垃圾廢棄物", aliases: []string{"垃圾"}, complaint: true,
		industries: map[string]float64{"waste": 1, "composting": 1}},
	{id: "wastewater", name: "waste water", nameZH: "廢污水", aliases: []string{"waste water", "污水", "廢水"}, complaint: true,
		industries: map[string]float64{"sewage": 1, "paper": 1, "tanning": 1, "food": 1, "dyeing": 1, "livestock": 1, "rendering": 1}},
	{id: "agriculture", name: "agriculture and livestock", nameZH: "農牧", aliases: []string{"agriculture/livestock", "livestock", "畜牧", "農業"}, complaint: true,
		industries: map[string]float64{"livestock": 1, "composting": 1, "rendering": 1, "feed": 1}},
	{id: "food", name: "food industries", nameZH: "食品工業", aliases: []string{"food industries", "食品"}, complaint: true,
		industries: map[string]float64{"food": 1, "feed": 1, "rendering": 1}},
	{id: "industrial", name: "industrial", nameZH: "工業", aliases: []string{"industry", "工廠"}, complaint: true,
		industries: map[string]float64{"petrochemical": 1, "chemical": 1, "rubber": 1, "plastics": 1, "asphalt": 1, "coating": 1,
			"electroplating": 1, "pcb": 1, "semiconductor": 1, "dyeing": 1, "paper": 1, "tanning": 1}},
	{id: "urban", name: "urban", nameZH: "都市", aliases: []string{"城市"}, complaint: true,
		industries: map[string]float64{"sewage": 1, "waste": 1}},
	{id: "nice", name: "nice odours", nameZH: "宜人氣味", aliases: []string{"pleasant"}},
	{id: "other", name: "other odours", nameZH: "其他", aliases: []string{"unknown", "不明", "異味"}, complaint: true},
	{id: "none", name: "no odour", nameZH: "無異味", aliases: []string{"no odour", "no odor"}},
}

// types is OdourCollect's second tier (89 codes, of which the "other" and
// "I don't know" entries are the generic form here) with the industries
// each odour points at: 1 where the odour is the industry's signature, less
// where the industry is one of several that emit it.
var types = []odourType{
	{"waste", "fresh-waste", "fresh waste", "新鮮垃圾味", map[string]float64{"waste": 1}},
	{"waste", "decomposed-waste", "decomposed waste", "腐敗垃圾味", map[string]float64{"waste": 1, "composting": 0.7}},
	{"waste", "leachate", "leachate", "垃圾滲出水味", map[string]float64{"waste": 1}},
	{"waste", "biogas", "biogas", "沼氣味", map[string]float64{"waste": 1, "livestock": 0.7, "sewage": 0.7}},
	{"waste", "biofilter", "biofilter", "生物濾床味", map[string]float64{"composting": 1, "waste": 0.8, "sewage": 0.6}},
	{"waste", "ammonia", "ammonia", "氨味", map[string]float64{"waste": 1, "composting": 1}},
	{"waste", "amines", "amines", "胺味", map[string]float64{"waste": 1, "rendering": 0.7}},
	{"wastewater", "wastewater", "waste water", "污水味", map[string]float64{"sewage": 1, "food": 0.6, "dyeing": 0.6, "paper": 0.6}},
	{"wastewater", "rotten-eggs", "rotten eggs", "臭蛋味", map[string]float64{"sewage": 1, "paper": 0.8, "tanning": 0.8, "petrochemical": 0.6}},
	{"wastewater", "sludge", "sludge", "污泥味", map[string]float64{"sewage": 1, "paper": 0.6, "dyeing": 0.6}},
	{"wastewater", "chlorine", "chlorine", "氯味", map[string]float64{"sewage": 1, "chemical": 0.6}},
	{"agriculture", "dead-animal", "dead animal", "動物屍體味", map[string]float64{"rendering": 1, "livestock": 0.6}},
	{"agriculture", "cooked-meat", "cooked meat", "煮肉味", map[string]float64{"rendering": 1, "food": 0.6}},
	{"agriculture", "manure", "organic fertilisers (manure, slurry)", "豬糞堆肥味", map[string]float64{"livestock": 1, "composting": 1}},
	{"agriculture", "animal-feed", "animal feed", "飼料味", map[string]float64{"feed": 1, "rendering": 0.6, "livestock": 0.6}},
	{"agriculture", "cabbage-soup", "cabbage soup", "爛菜味", map[string]float64{"composting": 1, "livestock": 0.6}},
	{"agriculture", "rotten-eggs", "rotten eggs", "臭蛋味", map[string]float64{"livestock": 1, "composting": 0.8}},
	{"agriculture", "ammonia", "ammonia", "氨味", map[string]float64{"livestock": 1, "composting": 1}},
	{"agriculture", "amines", "amines", "胺味", map[string]float64{"rendering": 1, "livestock": 0.6}},
	{"food", "fat-oil", "fat / oil", "油脂味", map[string]float64{"food": 1, "rendering": 1}},
	{"food", "coffee", "coffee", "咖啡味", map[string]float64{"food": 1}},
	{"food", "cocoa", "cocoa", "可可味", map[string]float64{"food": 1}},
	{"food", "dairy", "milk / dairy", "乳製品味", map[string]float64{"food": 1}},
	{"food", "animal-food", "animal food", "寵物飼料味", map[string]float64{"feed": 1, "food": 0.6}},
	{"food", "ammonia", "ammonia", "氨味", map[string]float64{"food": 1}},
	{"food", "malt-hop", "malt / hop", "麥芽味", map[string]float64{"food": 1}},
	{"food", "fish", "fish", "魚腥味", map[string]float64{"rendering": 1, "food": 1, "feed": 0.8}},
	{"food", "bakery", "bakeries", "烘焙味", map[string]float64{"food": 1}},
	{"food", "raw-meat", "raw meat", "生肉味", map[string]float64{"food": 1, "rendering": 0.8}},
	{"food", "amines", "amines", "胺味", map[string]float64{"food": 1, "rendering": 1}},
	{"food", "cabbage-soup", "cabbage soup", "爛菜味", map[string]float64{"food": 1}},
	{"food", "rotten-eggs", "rotten eggs", "臭蛋味", map[string]float64{"food": 1, "rendering": 0.8}},
	{"food", "bread", "bread / cookies", "麵包餅乾味", map[string]float64{"food": 1}},
	{"food", "alcohol", "alcohol", "酒精味", map[string]float64{"food": 1}},
	{"food", "aroma", "aroma / flavour", "香料味", map[string]float64{"food": 1, "chemical": 0.6}},
	{"industrial", "cabbage-soup", "cabbage soup (mercaptans)", "爛菜味", map[string]float64{"paper": 1, "petrochemical": 0.8, "rendering": 0.6}},
	{"industrial", "petrochemical", "oil / petrochemical", "石化油味", map[string]float64{"petrochemical": 1, "chemical": 0.6, "asphalt": 0.6}},
	{"industrial", "gas", "gas", "瓦斯味", map[string]float64{"petrochemical": 1, "chemical": 0.8, "waste": 0.5}},
	{"industrial", "asphalt-rubber", "asphalt / rubber", "柏油橡膠味", map[string]float64{"asphalt": 1, "rubber": 1, "petrochemical": 0.6}},
	{"industrial", "chemical", "chemical", "化學藥劑味", map[string]float64{"chemical": 1, "petrochemical": 0.8, "semiconductor": 0.6, "pcb": 0.6, "electroplating": 0.6, "dyeing": 0.6, "coating": 0.6}},
	{"industrial", "ammonia", "ammonia", "氨味", map[string]float64{"chemical": 1, "semiconductor": 0.8, "pcb": 0.8}},
	{"industrial", "leather", "leather", "皮革味", map[string]float64{"tanning": 1}},
	{"industrial", "metal", "metal", "金屬味", map[string]float64{"electroplating": 1, "pcb": 0.6, "coating": 0.6}},
	{"industrial", "plastic", "plastic", "塑膠味", map[string]float64{"plastics": 1, "rubber": 0.6, "chemical": 0.6}},
	{"industrial", "sulphur", "sulphur", "硫磺味", map[string]float64{"paper": 1, "petrochemical": 1, "rendering": 0.6, "tanning": 0.6}},
	{"industrial", "alcohol", "alcohol", "酒精味", map[string]float64{"chemical": 1, "coating": 0.6}},
	{"industrial", "solvent", "ketone / ester / acetate / ether", "溶劑味", map[string]float64{"coating": 1, "chemical": 0.8, "pcb": 0.6, "semiconductor": 0.6, "dyeing": 0.6, "plastics": 0.6}},
	{"industrial", "amines", "amines", "胺味", map[string]float64{"chemical": 1, "rendering": 0.8}},
	{"industrial", "glue", "glue / adhesive", "膠水味", map[string]float64{"coating": 1, "chemical": 0.8, "plastics": 0.6}},
	{"urban", "urine", "urine", "尿騷味", map[string]float64{"sewage": 0.6}},
	{"urban", "traffic", "traffic", "車輛廢氣味", map[string]float64{}},
	{"urban", "sewage", "sewage", "水溝味", map[string]float64{"sewage": 1}},
	{"urban", "waste-bin", "waste bin", "垃圾桶味", map[string]float64{"waste": 0.6}},
	{"urban", "waste-truck", "waste truck", "垃圾車味", map[string]float64{"waste": 0.6}},
	{"urban", "sweat", "sweat", "汗味", map[string]float64{}},
	{"urban", "grass", "fresh grass", "青草味", map[string]float64{}},
	{"urban", "wet-soil", "humidity / wet soil", "潮濕泥土味", map[string]float64{}},
	{"urban", "flowers", "flowers", "花香", map[string]float64{}},
	{"urban", "food", "food", "食物味", map[string]float64{"food": 0.6}},
	{"urban", "chimney", "chimney (burnt wood)", "燒木頭味", map[string]float64{"waste": 0.5}},
	{"urban", "paint", "paint", "油漆味", map[string]float64{"coating": 1, "chemical": 0.6}},
	{"urban", "fuel", "fuel", "燃油味", map[string]float64{"petrochemical": 0.8, "asphalt": 0.6}},
	{"nice", "flowers", "flowers", "花香", nil},
	{"nice", "food", "food", "食物香", map[string]float64{"food": 0.5}},
	{"nice", "bread", "bread / cookies", "麵包香", map[string]float64{"food": 0.5}},
	{"nice", "fruit", "fruit", "水果香", nil},
	{"nice", "grass", "fresh grass", "青草香", nil},
	{"nice", "forest", "forest / trees / nature", "森林味", nil},
	{"nice", "herbs", "mint / rosemary / lavender", "香草味", nil},
	{"nice", "sea", "sea", "海味", nil},
	{"nice", "perfume", "perfume", "香水味", nil},
	{"nice", "chimney", "chimney (burnt wood)", "木柴味", nil},
	{"nice", "wood", "wood", "木頭味", nil},
	{"nice", "new-book", "new book", "新書味", nil},
}

var (
	groupByName = map[string]*group{}
	typeByKey   = map[string]*odourType{} // "group/type" by id and by Chinese name
	typesByName = map[string][]*odourType{}
)

func init() {
	for i := range groups {
		g := &groups[i]
		for _, n := range append([]string{g.id, g.name, g.nameZH}, g.aliases...) {
			groupByName[norm(n)] = g
		}
	}
	for i := range types {
		t := &types[i]
		if _, ok := groupByName[t.group]; !ok {
			panic("odour: type " + t.id + " of unknown group " + t.group)
		}
		for _, n := range []string{t.id, t.name, t.nameZH} {
			typeByKey[t.group+"/"+norm(n)] = t
			typesByName[norm(n)] = append(typesByName[norm(n)], t)
		}
		for ind := range t.industries {
			if _, err := industry.Lookup(ind); err != nil {
				panic("odour: type " + t.group + "/" + t.id + ": " + err.Error())
			}
		}
	}
	for _, g := range groups {
		for ind := range g.industries {
			if _, err := industry.Lookup(ind); err != nil {
				panic("odour: group " + g.id + ": " + err.Error())
			}
		}
	}
}

func norm(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.TrimSpace(s)), " "))
}

// ParseCategory reads a category written "group/type", "group" or a type
// alone when only one group has it, by id, English or Chinese name
// ("industrial/sulphur", "工業/硫磺味", "臭蛋味" is ambiguous). "other",
// "unknown" and "I don't know" types are the generic form of their group.
func ParseCategory(s string) (Category, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Category{}, fmt.Errorf("odour category is empty; use a group such as industrial or a type such as industrial/sulphur")
	}
	gName, tName, hasType := strings.Cut(s, "/")
	if g, ok := groupByName[norm(gName)]; ok {
		if !hasType {
			return Category{Group: g.id}, nil
		}
		switch norm(tName) {
		case "other", "unknown", "i don't know", "其他", "不明", "":
			return Category{Group: g.id, Type: "other"}, nil
		}
		if t, ok := typeByKey[g.id+"/"+norm(tName)]; ok {
			return Category{Group: g.id, Type: t.id}, nil
		}
		return Category{}, fmt.Errorf("odour type %q is not in group %s (types: %s)", tName, g.id, strings.Join(typeIDs(g.id), ", "))
	}
	if !hasType {
		switch ts := typesByName[norm(s)]; len(ts) {
		case 1:
			return Category{Group: ts[0].group, Type: ts[0].id}, nil
		case 0:
		default:
			var opts []string
			for _, t := range ts {
				opts = append(opts, t.group+"/"+t.id)
			}
			return Category{}, fmt.Errorf("odour type %q occurs in several groups; write one of %s", s, strings.Join(opts, ", "))
		}
	}
	return Category{}, fmt.Errorf("unknown odour category %q (groups: %s)", s, strings.Join(groupIDs(), ", "))
}

func typeIDs(g string) []string {
	var out []string
	for _, t := range types {
		if t.group == g {
			out = append(out, t.id)
		}
	}
	return out
}

func groupIDs() []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.id
	}
	return out
}

// IsComplaint reports whether the category reports a nuisance that can
// have a source: "nice" odours and "no odour" reports cannot.
func (c Category) IsComplaint() bool {
	g, ok := groupByName[c.Group]
	if !ok || !g.complaint {
		return false
	}
	return true
}

// Match is how well a facility's industry fits a petition's category.
type Match struct {
	// Weight is 0 (no match: not a candidate) to 1 (the odour is the
	// industry's signature).
	Weight float64 `json:"weight"`
	// Industry is the canonical industry id, "" when the facility's
	// industry is unknown to tracing/industry.
	Industry string `json:"industry"`
	// Reason says why, for the evidence.
	Reason string `json:"reason"`
}

// MatchIndustry returns the profile weight of an industry (free text as
// in facilities.csv, resolved by tracing/industry) for a category. A
// specific type gives its listed weights and 0 to other industries; a
// generic category gives its group's industries 0.8 and every other
// industry, known or not, GenericWeight, so it never drops a candidate.
func MatchIndustry(c Category, industryText string) Match {
	ind := ""
	if p, err := industry.Lookup(industryText); err == nil {
		ind = p.ID
	}
	if !c.IsComplaint() {
		return Match{Industry: ind, Reason: fmt.Sprintf("%s reports no nuisance", c)}
	}
	if c.Generic() {
		if w, ok := groupByName[c.Group].industries[ind]; ok && ind != "" {
			return Match{Weight: groupWeight * w, Industry: ind, Reason: fmt.Sprintf("generic %s odour: %s is one of its industries", c.Group, ind)}
		}
		return Match{Weight: GenericWeight, Industry: ind, Reason: fmt.Sprintf("generic %s odour matches every industry at a lower weight", c.Group)}
	}
	t := typeByKey[c.Group+"/"+c.Type]
	if w, ok := t.industries[ind]; ok && ind != "" {
		return Match{Weight: w, Industry: ind, Reason: fmt.Sprintf("%s (%s) is typical of %s", t.name, t.nameZH, ind)}
	}
	return Match{Industry: ind, Reason: fmt.Sprintf("%s (%s) is not an odour of %s", t.name, t.nameZH, orUnknown(ind, industryText))}
}

func orUnknown(id, text string) string {
	if id != "" {
		return id
	}
	if text == "" {
		return "an unknown industry"
	}
	return "industry " + text
}

// TaxonomyEntry is one row of the documented taxonomy, for docs and user
// interfaces.
type TaxonomyEntry struct {
	Category   string             `json:"category"`
	Name       string             `json:"name"`
	NameZH     string             `json:"name_zh"`
	Industries map[string]float64 `json:"industries"`
}

// Taxonomy lists every group (generic form) and type with its industries.
func Taxonomy() []TaxonomyEntry {
	var out []TaxonomyEntry
	for _, g := range groups {
		out = append(out, TaxonomyEntry{Category: g.id, Name: g.name, NameZH: g.nameZH, Industries: g.industries})
		for _, t := range types {
			if t.group == g.id {
				out = append(out, TaxonomyEntry{Category: t.group + "/" + t.id, Name: t.name, NameZH: t.nameZH, Industries: t.industries})
			}
		}
	}
	return out
}
