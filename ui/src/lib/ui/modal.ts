// Native modal dialogs (Modal.svelte, Drawer.svelte): focus stays inside, Escape closes them.

/** Shows a <dialog> as a modal while it is on the page, and closes it when it leaves. */
export function shownAsModal(dialog: HTMLDialogElement) {
  if (!dialog.open) dialog.showModal();
  return {
    destroy() {
      if (dialog.open) dialog.close();
    },
  };
}
