package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAuditActionLabels parses the packages that declare audit actions and
// fails for every Action constant without a label, so a new action cannot
// reach the audit page as a bare code.
func TestAuditActionLabels(t *testing.T) {
	found := 0
	for _, dir := range []string{"../audit", "../broker"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !strings.HasPrefix(n.Name, "Action") || i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						v, _ := strconv.Unquote(lit.Value)
						found++
						if auditActionLabels[v] == "" {
							t.Errorf("%s: %s = %q has no label in auditActionLabels", path, n.Name, v)
						}
						if auditGroupLabels[auditGroup(v)] == "" {
							t.Errorf("%s: %s = %q: group %q has no label in auditGroupLabels", path, n.Name, v, auditGroup(v))
						}
					}
				}
			}
		}
	}
	if found < 40 {
		t.Errorf("found %d Action constants, want at least 40 (did the packages move?)", found)
	}
	if got, want := len(auditActions()), len(auditActionLabels); got != want {
		t.Errorf("auditActions() lists %d actions, want %d", got, want)
	}
}
