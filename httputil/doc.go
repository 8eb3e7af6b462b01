// Package httputil is the HTTP vocabulary shared by every layer of GoTornado:
// Header, ServerRequest and the Connection/delegate interfaces between server
// and application, plus parsers for query strings, form and multipart bodies,
// cookies, HTTP dates and Range headers. It imports nothing from the module.
package httputil
