// Colour on or off for the whole screen: off when NO_COLOR is set to anything but the empty string
// (no-color.org). Bold, dim and inverse stay: they are not colour.
let on = !process.env.NO_COLOR;

export function setColor(enabled: boolean): void {
  on = enabled;
}

/** The colour to draw with, or undefined when colour is off. */
export function tone(color: string | undefined): string | undefined {
  return on ? color : undefined;
}
