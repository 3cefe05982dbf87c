// Package web serves the admin panel (under /admin) and the agent web
// console (under /agent): server-rendered pages built with html/template
// from embedded files, a little plain JavaScript for copy buttons and live
// updates over Server-Sent Events, and no front-end build.
//
// Changes go through the admin API's own handlers, called in-process with
// admin rights (see Options.API), so the panel validates exactly as the API
// does; agents act through the router's AgentSay, so the console and the
// softphone stay in step.
package web
