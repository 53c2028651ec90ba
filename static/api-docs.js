// The API page's reference, drawn by Swagger UI from the OpenAPI document (no inline script: CSP).
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || !window.SwaggerUIBundle) {
    return;
  }
  window.SwaggerUIBundle({
    url: node.dataset.openapiUrl,
    domNode: node,
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
  });
});
