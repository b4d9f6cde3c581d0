package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tetherhq/tether/gateway/internal/store"
)

func BenchmarkAppendAudit(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e := &store.AuditEntry{Actor: "alice", Action: "shell.open", TicketID: 1, Details: []byte(`{"i":1}`)}
		if err := s.AppendAudit(ctx, e, testSeal); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUseInvite(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tk := &store.Ticket{Title: "t"}
	if err := s.CreateTicket(ctx, tk); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	codes := make([]string, 0, 1<<16)
	next := 0
	for i := 0; b.Loop(); i++ {
		if next == len(codes) {
			b.StopTimer()
			c := fmt.Sprintf("C%d", i)
			if err := s.CreateInvite(ctx, &store.Invite{Code: c, TicketID: tk.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
			codes = append(codes, c)
			b.StartTimer()
		}
		if _, err := s.UseInvite(ctx, codes[next], now, "s_x"); err != nil {
			b.Fatal(err)
		}
		next++
	}
}

func BenchmarkListAudit1000(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 1000; i++ {
		if err := s.AppendAudit(ctx, &store.AuditEntry{Action: "x", Details: []byte(`{"k":"v"}`)}, testSeal); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		got, err := s.ListAudit(ctx, store.AuditFilter{})
		if err != nil || len(got) != 1000 {
			b.Fatal(len(got), err)
		}
	}
}
