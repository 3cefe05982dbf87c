package routing

import "github.com/wachan/wachan/store"

// load counts, per extension, the conversations it owns and the offers
// ringing at it.
type load struct {
	owned, ringing map[string]int
}

func newLoad(open []*store.Session) *load {
	l := &load{owned: map[string]int{}, ringing: map[string]int{}}
	for _, s := range open {
		switch s.State {
		case store.StateActive:
			l.owned[s.Agent]++
		case store.StateWaiting:
			for _, e := range s.Alerted {
				l.ringing[e]++
			}
		}
	}
	return l
}

// of is how busy ext is: what it owns and what rings at it.
func (l *load) of(ext string) int { return l.owned[ext] + l.ringing[ext] }

// moved records that s, offered to before, is now offered to its Alerted
// (when waiting) or owned by its agent.
func (l *load) moved(before []string, s *store.Session) {
	for _, e := range before {
		l.ringing[e]--
	}
	switch s.State {
	case store.StateWaiting:
		for _, e := range s.Alerted {
			l.ringing[e]++
		}
	case store.StateActive:
		l.owned[s.Agent]++
	}
}
