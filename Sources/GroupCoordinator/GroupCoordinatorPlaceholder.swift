enum GroupCoordinatorPlaceholder {}
