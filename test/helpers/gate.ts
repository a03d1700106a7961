/** A gate that holds processors until opened: `await g.opened` waits, `g.open()` lets them through. */
export function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}
