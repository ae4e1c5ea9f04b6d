package field

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Message content is sanitised as the reference's bleach.clean does
// (docs/protocol.md §2.8.1 step 4): the input is parsed as an HTML fragment the way
// a browser would (html5lib there, x/net/html here), then re-serialised keeping
// only the allowed tags and attributes. bluemonday was tried first: it also
// escapes quotes and apostrophes in text ("don't" becomes "don&#39;t"),
// which bleach does not, and would mangle every ordinary chat message.

// sanitizeAllowed is the tag whitelist; br is the only void element in it.
var sanitizeAllowed = map[atom.Atom]bool{
	atom.B: true, atom.I: true, atom.Strong: true, atom.Em: true, atom.A: true, atom.Span: true,
	atom.P: true, atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Br: true,
}

// SanitizeHTML returns content with every tag other than b i strong em a
// span p ul ol li br removed, their text kept (that of script and style
// too, escaped into inert text: bleach's strip=True keeps it, and a message
// must not vanish for its markup), comments removed, attributes
// other than a's href/title/target and any tag's class/id removed, and href
// values whose scheme is not http, https or mailto dropped. Text is escaped
// only where HTML requires it (&, <, >), as bleach does.
func SanitizeHTML(content string) string {
	if plainText(content) {
		return content
	}
	return sanitizeFragment(content)
}

// plainText reports whether content is text the parse and re-serialisation
// of sanitizeFragment give back unchanged: no markup or character reference
// ('<', '&'), nothing escaped ('>'), nothing the HTML tokenizer rewrites
// (NUL, CR) and valid UTF-8. Most chat messages are, and a send then skips
// the parse, which runs inside the writer's transaction.
func plainText(content string) bool {
	for i := 0; i < len(content); i++ {
		switch content[i] {
		case '<', '>', '&', 0, '\r':
			return false
		}
	}
	return utf8.ValidString(content)
}

// sanitizeFragment is SanitizeHTML through the HTML parser.
func sanitizeFragment(content string) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(content), ctx)
	if err != nil {
		// The parser only fails on reader errors, impossible for a
		// strings.Reader; escaping everything is the safe answer anyway.
		return escapeText(content)
	}
	w := sanitizer{content: content}
	for _, n := range nodes {
		w.node(n)
	}
	return w.b.String()
}

// sanitizer writes the sanitised fragment.
type sanitizer struct {
	b       strings.Builder
	content string
	// order is the author's attribute order of each start tag, made on
	// first use (authorOrder).
	order map[string][]string
}

func (w *sanitizer) node(n *html.Node) {
	b := &w.b
	switch n.Type {
	case html.TextNode:
		b.WriteString(escapeText(n.Data))
		return
	case html.ElementNode:
	default: // comments, doctypes
		return
	}
	// An SVG or MathML element is never the HTML one of its name (an svg
	// <a> is no link): stripped, its text kept.
	allowed := n.Namespace == "" && sanitizeAllowed[n.DataAtom]
	if allowed {
		b.WriteByte('<')
		b.WriteString(n.Data)
		for _, a := range w.attrs(n) {
			if v, ok := allowedAttr(n.DataAtom, a); ok {
				b.WriteByte(' ')
				b.WriteString(a.Key)
				b.WriteString(`="`)
				b.WriteString(escapeAttr(v))
				b.WriteByte('"')
			}
		}
		b.WriteByte('>')
		if n.DataAtom == atom.Br {
			return
		}
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		w.node(ch)
	}
	if allowed {
		b.WriteString("</")
		b.WriteString(n.Data)
		b.WriteByte('>')
	}
}

// attrs returns n's attributes in the order its author wrote them, as bleach
// keeps them. The parser keeps that order except on formatting elements (a,
// b, i, strong, em), whose attributes it sorts for the Noah's Ark clause; for
// those the order is read from the tokens of the content itself, matched by
// tag and attribute set. An element with fewer than two attributes, or
// whose tag cannot be matched, keeps the parser's order.
func (w *sanitizer) attrs(n *html.Node) []html.Attribute {
	if len(n.Attr) < 2 {
		return n.Attr
	}
	if w.order == nil {
		w.order = authorOrder(w.content)
	}
	keys, ok := w.order[tagKey(n.Data, n.Attr)]
	if !ok {
		return n.Attr
	}
	out := slices.Clone(n.Attr)
	slices.SortStableFunc(out, func(a, b html.Attribute) int {
		return slices.Index(keys, a.Key) - slices.Index(keys, b.Key)
	})
	return out
}

// authorOrder maps each start tag of content with two or more attributes
// (by tagKey) to its attribute names in the order written; of two tags with
// the same name and attributes in different orders, the first counts.
func authorOrder(content string) map[string][]string {
	order := map[string][]string{}
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return order
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if len(tok.Attr) < 2 {
				continue
			}
			key := tagKey(tok.Data, tok.Attr)
			if _, ok := order[key]; !ok {
				keys := make([]string, len(tok.Attr))
				for i, a := range tok.Attr {
					keys[i] = a.Key
				}
				order[key] = keys
			}
		}
	}
}

// tagKey names a start tag by its name and its attributes in name order.
func tagKey(tag string, attrs []html.Attribute) string {
	sorted := slices.SortedFunc(slices.Values(attrs), func(a, b html.Attribute) int { return strings.Compare(a.Key, b.Key) })
	var k strings.Builder
	k.WriteString(tag)
	for _, a := range sorted {
		k.WriteByte(0)
		k.WriteString(a.Namespace)
		k.WriteByte(0)
		k.WriteString(a.Key)
		k.WriteByte(0)
		k.WriteString(a.Val)
	}
	return k.String()
}

// allowedAttr reports whether attribute a may stay on an element el, and
// its value.
func allowedAttr(el atom.Atom, a html.Attribute) (string, bool) {
	if a.Namespace != "" {
		return "", false
	}
	switch a.Key {
	case "class", "id":
		return a.Val, true
	case "title", "target":
		return a.Val, el == atom.A
	case "href":
		return a.Val, el == atom.A && safeURL(a.Val)
	}
	return "", false
}

// safeURL reports whether an href is relative or uses http, https or
// mailto. Whitespace and control characters are removed before looking at
// the scheme, because browsers ignore them ("java\tscript:").
func safeURL(v string) bool {
	clean := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, v)
	u, err := url.Parse(clean)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto":
		return true
	}
	return false
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

func escapeText(s string) string { return textEscaper.Replace(s) }
func escapeAttr(s string) string { return attrEscaper.Replace(s) }
