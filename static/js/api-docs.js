// Starts Swagger UI on the API documentation page (/api/), from our own static files: the Content-Security-Policy
// allows no inline script, so the schema's address comes from a data attribute.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  if (!element || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  element.textContent = "";
  window.SwaggerUIBundle({
    url: element.getAttribute("data-schema-url"),
    domNode: element,
    deepLinking: true,
    tryItOutEnabled: true,
    supportedSubmitMethods: ["get", "head"],
  });
}());
