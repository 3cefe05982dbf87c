package web

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/wachan/wachan/store"
)

// minPassword is the shortest password the panel accepts.
const minPassword = 8

type usersPage struct {
	Users  []*store.User
	Form   struct{ Role, Name string }
	Errors map[string]string
}

func (w *Web) users(c *fiber.Ctx) error {
	p := &usersPage{}
	p.Form.Role = roleAgent
	return w.renderUsers(c, fiber.StatusOK, p, "")
}

func (w *Web) renderUsers(c *fiber.Ctx, status int, p *usersPage, flash string) error {
	if err := w.st.View(func(tx *store.Tx) (err error) { p.Users, err = tx.Users(); return }); err != nil {
		return err
	}
	return w.render(c, status, "users", &view{Title: "Users", Nav: "users", Flash: flash, Data: p})
}

func hashPassword(pw string) (string, string) {
	if len(pw) < minPassword || len(pw) > 72 {
		return "", "Password: must be 8 to 72 characters."
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", "Password: could not be hashed."
	}
	return string(h), ""
}

// userCreate adds an admin user or an agent login.
func (w *Web) userCreate(c *fiber.Ctx) error {
	p := &usersPage{Errors: map[string]string{}}
	p.Form.Role, p.Form.Name = c.FormValue("role"), strings.TrimSpace(c.FormValue("name"))
	if p.Form.Role != roleAdmin && p.Form.Role != roleAgent {
		p.Errors["role"] = "Role: choose administrator or agent."
	}
	if !validExt.MatchString(p.Form.Name) {
		p.Errors["name"] = "Name or extension: 1 to 64 letters, digits or _ . + -."
	}
	hash, msg := hashPassword(c.FormValue("password"))
	if msg != "" {
		p.Errors["password"] = msg
	}
	if len(p.Errors) > 0 {
		return w.renderUsers(c, fiber.StatusUnprocessableEntity, p, "")
	}
	now := time.Now().UTC()
	u := &store.User{Name: p.Form.Name, Role: p.Form.Role, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if u.Role == roleAgent {
		u.Extension = u.Name
	}
	err := w.st.Update(func(tx *store.Tx) error {
		if _, err := tx.User(u.Name); err == nil {
			return errExists
		}
		return tx.PutUser(u)
	})
	if errors.Is(err, errExists) {
		p.Errors["name"] = "Name or extension: " + u.Name + " already has a login; set its password below instead."
		return w.renderUsers(c, fiber.StatusUnprocessableEntity, p, "")
	}
	if err != nil {
		return err
	}
	w.log.Info("web user created", slog.String("user", u.Name), slog.String("role", u.Role))
	return w.redirectFlash(c, "/admin/users", "Login "+u.Name+" created.")
}

var errExists = errors.New("already exists")

func (w *Web) userPassword(c *fiber.Ctx) error {
	name := c.Params("name")
	hash, msg := hashPassword(c.FormValue("password"))
	if msg != "" {
		p := &usersPage{Errors: map[string]string{"pw:" + name: msg}}
		p.Form.Role = roleAgent
		return w.renderUsers(c, fiber.StatusUnprocessableEntity, p, "")
	}
	err := w.st.Update(func(tx *store.Tx) error {
		u, err := tx.User(name)
		if err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt = hash, time.Now().UTC()
		return tx.PutUser(u)
	})
	if errors.Is(err, store.ErrNotFound) {
		return w.fail(c, fiber.StatusNotFound, "No such user.")
	}
	if err != nil {
		return err
	}
	w.log.Info("web user password set", slog.String("user", name))
	return w.redirectFlash(c, "/admin/users", "Password of "+name+" set.")
}

func (w *Web) userDelete(c *fiber.Ctx) error {
	name := c.Params("name")
	err := w.st.Update(func(tx *store.Tx) error { return tx.DeleteUser(name) })
	if errors.Is(err, store.ErrNotFound) {
		return w.fail(c, fiber.StatusNotFound, "No such user.")
	}
	if err != nil {
		return err
	}
	w.log.Info("web user deleted", slog.String("user", name))
	return w.redirectFlash(c, "/admin/users", "Login "+name+" deleted.")
}
