// A heading whose explanation shows while it is hovered or focused (a tooltip the page draws
// itself: the native title tooltip cannot be styled for the theme, and shows late).
let nextId = 0;

export function explainedHeading(text: string, explanation: string, tag: 'h2' | 'h3' = 'h2'): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'explained';
  const heading = document.createElement(tag);
  heading.textContent = text;
  // Focusable so that keyboard users get the explanation too.
  heading.tabIndex = 0;
  const tip = document.createElement('div');
  tip.className = 'explanation';
  tip.id = `explanation-${nextId++}`;
  tip.setAttribute('role', 'tooltip');
  tip.textContent = explanation;
  tip.hidden = true;
  heading.setAttribute('aria-describedby', tip.id);
  const show = (on: boolean) => { tip.hidden = !on; };
  heading.addEventListener('mouseenter', () => show(true));
  heading.addEventListener('mouseleave', () => show(document.activeElement === heading));
  heading.addEventListener('focus', () => show(true));
  heading.addEventListener('blur', () => show(false));
  heading.addEventListener('keydown', (e) => { if (e.key === 'Escape') show(false); });
  wrap.append(heading, tip);
  return wrap;
}
