package admin

import "net/http"

// routeModules routes /admin/modules: the list of the modules in force.
// Modules come from the module file only, so the path takes no other
// method: the console shows its upload, enable, disable and delete
// controls only where POST /admin/modules is not answered 404 or 405.
func (a *API) routeModules() {
	a.mux.HandleFunc("GET /admin/modules", a.listModules)
	a.mux.Handle("/admin/modules", methodNotAllowed("GET, HEAD"))
}

// listModules answers GET /admin/modules with {"modules": [...]}, each a
// hooks.ModuleStatus, in module-file order.
func (a *API) listModules(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"modules": a.d.Modules.Modules()})
}
