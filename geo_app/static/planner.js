// Planner page: keep the threshold/k form honest before it reloads the report.
(function () {
  "use strict";
  var form = document.querySelector(".planner-form");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    var threshold = form.elements.threshold;
    var k = form.elements.k;
    if (!threshold.checkValidity() || !k.checkValidity()) {
      event.preventDefault();
      (threshold.checkValidity() ? k : threshold).reportValidity();
    }
  });
})();
