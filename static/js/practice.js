// @ts-check
// Practice form: picking a question means practising that one question, so the choice of kind
// follows the pick; choosing another kind clears it. The server applies the same rule.
const question = document.getElementById("question");
const single = document.getElementById("kind-single");

question.addEventListener("change", () => {
  if (question.value) single.checked = true;
});
for (const other of document.querySelectorAll('input[name="kind"]:not(#kind-single)')) {
  other.addEventListener("change", () => {
    if (other.checked) question.value = "";
  });
}
