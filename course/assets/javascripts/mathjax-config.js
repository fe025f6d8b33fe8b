// MathJax 3 settings for the pymdownx.arithmatex "generic" output: only the spans it marks.
window.MathJax = {
  tex: {
    // textmacros: \_ and other LaTeX text-mode macros inside \text{...} (e.g. \text{num\_layers})
    packages: { "[+]": ["textmacros"] },
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
  loader: {
    paths: { mathjax: new URL("../mathjax", document.currentScript.src).href },
    load: ["[tex]/textmacros"],
  },
};

// Material's instant navigation swaps pages without a reload: typeset the new page once MathJax is
// up. (No output.clearCache(): it empties the per-glyph CSS, and the math would be laid out invisible.)
if (typeof document$ !== "undefined") {
  document$.subscribe(() => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise = MathJax.startup.promise.then(() => {
        MathJax.typesetClear();
        MathJax.texReset();
        return MathJax.typesetPromise();
      });
    }
  });
}
