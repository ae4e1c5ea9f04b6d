package field

import (
	"net/url"
	"slices"
	"strings"

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
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(content), ctx)
	if err != nil {
		// The parser only fails on reader errors, impossible for a
		// strings.Reader; escaping everything is the safe answer anyway.
		return escapeText(content)
	}
	var b strings.Builder
	for _, n := range nodes {
		sanitizeNode(&b, n)
	}
	return b.String()
}

func sanitizeNode(b *strings.Builder, n *html.Node) {
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
		// In name order: x/net/html sorts a formatting element's (a, b,
		// i, strong, em) for the Noah's Ark clause, so the author's order
		// (which bleach keeps) is not there to keep; sorting all makes the
		// output not depend on which kind an element is.
		attrs := slices.SortedFunc(slices.Values(n.Attr), func(a, b html.Attribute) int { return strings.Compare(a.Key, b.Key) })
		for _, a := range attrs {
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
		sanitizeNode(b, ch)
	}
	if allowed {
		b.WriteString("</")
		b.WriteString(n.Data)
		b.WriteByte('>')
	}
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
