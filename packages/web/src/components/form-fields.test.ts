import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { FormStatus, InputField, idsOf, SelectField, TextAreaField } from './form-fields.tsx';

const ignore = () => {};

describe('the shared form fields', () => {
  it('put the label around its control and pass the control its attributes', () => {
    expect(
      renderToStaticMarkup(
        createElement(InputField, {
          label: 'Subject',
          name: 'subject',
          required: true,
          minLength: 5,
          value: 'Day 3',
          onValue: ignore,
        }),
      ),
    ).toBe('<label>Subject<input required="" minLength="5" name="subject" value="Day 3"/></label>');
    expect(
      renderToStaticMarkup(
        createElement(TextAreaField, {
          label: 'Claim',
          name: 'claim',
          value: 'x',
          onValue: ignore,
        }),
      ),
    ).toBe('<label>Claim<textarea name="claim">x</textarea></label>');
  });

  it('offer the choices, with a blank one when asked, the current one selected', () => {
    expect(
      renderToStaticMarkup(
        createElement(SelectField, {
          label: 'Place',
          name: 'place',
          value: 'rafah',
          onValue: ignore,
          blank: true,
          choices: [
            { value: 'rafah', label: 'Rafah' },
            { value: 'erez', label: 'Erez' },
          ],
        }),
      ),
    ).toBe(
      '<label>Place<select name="place"><option value="">—</option><option value="rafah" selected="">Rafah</option><option value="erez">Erez</option></select></label>',
    );
  });

  it('announce a message only when there is one, and read event ids from a list', () => {
    expect(renderToStaticMarkup(createElement(FormStatus, { message: undefined }))).toBe('');
    expect(renderToStaticMarkup(createElement(FormStatus, { message: 'Recorded' }))).toBe(
      '<p role="status">Recorded</p>',
    );
    expect(idsOf(' e-1, e-2\ne-3 ,, ')).toEqual(['e-1', 'e-2', 'e-3']);
  });
});
