// The one way the windows build their elements: `el(tag, props, ...children)`.
//
// `props`: `class` and `text` set the class name and the text; `onclick`, `oninput`... add
// listeners; a non-string value (`checked: true`, `disabled: false`) sets the property of that
// name; any other string is an attribute (`id`, `type`, `data-field`...). A prop that is
// `undefined`, `null` or `false` is left out, so `hidden: !shown` reads as it should.
// `children`: nodes or strings, nested arrays flattened, `null` and `undefined` skipped.

/**
 * @param {string} tag
 * @param {Object<string, any>} [props]
 * @param {...(Node | string | null | undefined | Array<any>)} children
 * @returns {HTMLElement}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined));
  return node;
}
