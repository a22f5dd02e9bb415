// Where the scatter's run labels go: beside their point, on the first side where the label fits
// inside the plot and covers neither another label nor a point; a label with no such place is
// left out (hovering or the arrow keys read that run out). Greedy, in the order given, so the
// picked run can be placed first.

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface LabelRequest {
  x: number;
  y: number;
  width: number;
  height: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}

function inside(a: Box, area: Box): boolean {
  return a.left >= area.left && a.top >= area.top && a.left + a.width <= area.left + area.width && a.top + a.height <= area.top + area.height;
}

/** A box per label (null: no room), none outside `area`, overlapping another or a point of radius `r`. */
export function placeLabels(labels: readonly LabelRequest[], points: readonly { x: number; y: number }[], r: number, area: Box): (Box | null)[] {
  const gap = r + 5; // clear of the ring around a picked point
  const placed: Box[] = [];
  const disks = points.map((p) => ({ left: p.x - r, top: p.y - r, width: 2 * r, height: 2 * r }));
  return labels.map(({ x, y, width, height }) => {
    const candidates: Box[] = [
      { left: x + gap, top: y - height / 2, width, height },
      { left: x - gap - width, top: y - height / 2, width, height },
      { left: x - width / 2, top: y - gap - height, width, height },
      { left: x - width / 2, top: y + gap, width, height },
      { left: x + gap - 2, top: y - gap - height + 2, width, height },
      { left: x - gap - width + 2, top: y - gap - height + 2, width, height },
      { left: x + gap - 2, top: y + gap - 2, width, height },
      { left: x - gap - width + 2, top: y + gap - 2, width, height },
    ];
    const box = candidates.find((c) => inside(c, area) && !placed.some((p) => overlaps(c, p)) && !disks.some((d) => overlaps(c, d)));
    if (box) placed.push(box);
    return box ?? null;
  });
}
