// A search box: the magnifier icon, a label for screen readers, and the input (its placeholder says the same).
import { useId } from 'react';
import { SearchIcon } from './icons';

interface Props {
  label: string;
  value: string;
  onChange: (value: string) => void;
  autoFocus?: boolean;
}

export function SearchField({ label, value, onChange, autoFocus }: Props) {
  const id = useId();
  return (
    <div className="search-field">
      <SearchIcon />
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <input id={id} type="search" placeholder={label} value={value} onChange={(e) => onChange(e.target.value)} autoFocus={autoFocus} />
    </div>
  );
}
