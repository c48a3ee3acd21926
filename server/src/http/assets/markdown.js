// The project's overview of an integration, written in Markdown in its deploy, as DOM nodes:
// paragraphs, "- " or "* " lists, **bold**, *emphasis* and `code`. Built with createElement and
// text nodes only, never innerHTML, so no markup of the text can become HTML: the overview is
// the project's words, shown in a page that holds the user's token. Links and images are left
// as their text (the portal's CSP would refuse remote images anyway).
var portalMarkdown = (function () {
  "use strict";

  // One line's inline marks as nodes appended to `parent`.
  function inline(parent, text) {
    var pattern = /(\*\*([^*]+)\*\*|\*([^*]+)\*|`([^`]+)`)/g;
    var at = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > at) parent.appendChild(document.createTextNode(text.slice(at, match.index)));
      var tag = match[2] !== undefined ? "strong" : match[3] !== undefined ? "em" : "code";
      var node = document.createElement(tag);
      node.textContent = match[2] !== undefined ? match[2] : match[3] !== undefined ? match[3] : match[4];
      parent.appendChild(node);
      at = pattern.lastIndex;
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  // `source` as a fragment of <p> and <ul> elements. A list item's continuation lines (indented)
  // join it; a blank line ends a paragraph or a list.
  return function render(source) {
    var fragment = document.createDocumentFragment();
    var block = null; // the <p> or <ul> being filled
    var item = null; // the <li> being filled
    String(source || "").split(/\r?\n/).forEach(function (raw) {
      var line = raw.trim();
      var bullet = /^[-*]\s+(.*)$/.exec(line);
      if (!line) {
        block = item = null;
      } else if (bullet) {
        if (!block || block.tagName !== "UL") {
          block = document.createElement("ul");
          fragment.appendChild(block);
        }
        item = document.createElement("li");
        block.appendChild(item);
        inline(item, bullet[1]);
      } else if (item && /^\s/.test(raw)) {
        inline(item, " " + line);
      } else {
        if (!block || block.tagName !== "P") {
          block = document.createElement("p");
          fragment.appendChild(block);
        } else {
          block.appendChild(document.createTextNode(" "));
        }
        item = null;
        inline(block, line);
      }
    });
    return fragment;
  };
})();
