// Bilinear resampling of a channels-first image, with pixel centres at half-integers (as PIL,
// OpenCV and tf.image with halfPixelCenters), so same-size resizing is exactly the identity.
// No antialiasing: shrinking by more than 2× skips pixels; pre-shrink such images offline.

export function resizeBilinear(src: Float32Array, channels: number, inH: number, inW: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(channels * outH * outW);
  const ys = taps(inH, outH);
  const xs = taps(inW, outW);
  for (let c = 0; c < channels; c++) {
    const plane = src.subarray(c * inH * inW, (c + 1) * inH * inW);
    for (let y = 0; y < outH; y++) {
      const r0 = ys.i0[y] * inW, r1 = ys.i1[y] * inW, fy = ys.f[y];
      for (let x = 0; x < outW; x++) {
        const x0 = xs.i0[x], x1 = xs.i1[x], fx = xs.f[x];
        const top = plane[r0 + x0] + fx * (plane[r0 + x1] - plane[r0 + x0]);
        const bottom = plane[r1 + x0] + fx * (plane[r1 + x1] - plane[r1 + x0]);
        out[(c * outH + y) * outW + x] = top + fy * (bottom - top);
      }
    }
  }
  return out;
}

/** For each output coordinate: the two source neighbours and the weight of the second. */
function taps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), f = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(Math.max((o + 0.5) * (inSize / outSize) - 0.5, 0), inSize - 1);
    i0[o] = Math.floor(s);
    i1[o] = Math.min(i0[o] + 1, inSize - 1);
    f[o] = s - i0[o];
  }
  return { i0, i1, f };
}
