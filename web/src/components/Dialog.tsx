// A modal dialog on the native <dialog> element: the browser traps focus, closes it on Escape, makes the
// page behind it inert, and returns focus to where it was on close.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { CloseIcon } from './icons';

interface Props {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** The id of the element to describe the dialog with. */
  describedBy?: string;
}

export function Dialog({ title, onClose, children, className, describedBy }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { t } = useI18n();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      close.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      // React removes the element itself; put focus back where the user was.
      if (opener && document.contains(opener)) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onClick={(e) => {
        // A click on the backdrop (outside the dialog box) closes it.
        if (e.target === ref.current) {
          const r = ref.current.getBoundingClientRect();
          const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
          if (!inside) close.current();
        }
      }}
    >
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" onClick={() => close.current()} aria-label={t('close')}>
          <CloseIcon />
        </button>
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}

/** The foot of a dialog's form: Cancel (calls `onCancel`) and the submit button, whose text is `children`. */
export function FormActions({ onCancel, submitDisabled, children }: { onCancel: () => void; submitDisabled: boolean; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="dialog-actions">
      <button type="button" className="secondary" onClick={onCancel}>
        {t('cancel')}
      </button>
      <button type="submit" className="primary" disabled={submitDisabled}>
        {children}
      </button>
    </div>
  );
}
